import type { Client } from "@libsql/core/api";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
// drizzle's libSQL driver by way of its HTTP entry, which takes any client: the main one imports the whole
// of @libsql/client (its local and WebSocket clients too), more to load at every start for nothing we use.
import { drizzle } from "drizzle-orm/libsql/http";
import { migrate } from "drizzle-orm/libsql/migrator";
import { sql } from "drizzle-orm";
import { Unavailable } from "../errors";
import { isBusyError, openClient } from "./client";
import { Mutex } from "./mutex";

export type Db<S extends Record<string, unknown>> = LibSQLDatabase<S>;
export type Tx<S extends Record<string, unknown>> = Parameters<Parameters<Db<S>["transaction"]>[0]>[0];

export interface Database<S extends Record<string, unknown>> {
  db: Db<S>;
  client: Client;
  /**
   * Runs a write transaction, one at a time per process; SQLITE_BUSY becomes a retryable 503. Every write
   * goes through here: a local libSQL write beside an open transaction would block the event loop.
   */
  write<T>(work: (tx: Tx<S>) => Promise<T>): Promise<T>;
  ping(): Promise<boolean>;
  close(): void;
}

export interface OpenDatabaseOptions<S extends Record<string, unknown>> {
  url: string;
  authToken?: string | undefined;
  schema: S;
  /** drizzle-kit's output folder; applied at start, before the server listens. */
  migrationsFolder: string;
}

export async function openDatabase<S extends Record<string, unknown>>(
  options: OpenDatabaseOptions<S>,
): Promise<Database<S>> {
  const client = openClient({ url: options.url, authToken: options.authToken });
  const db = drizzle({ client, schema: options.schema });
  await migrate(db, { migrationsFolder: options.migrationsFolder });
  const writes = new Mutex();

  return {
    db,
    client,
    write: (work) =>
      writes.run(async () => {
        try {
          return await db.transaction(work);
        } catch (error) {
          if (isBusyError(error))
            throw new Unavailable("database is busy, retry shortly", { cause: error, retryAfterSeconds: 1 });
          throw error;
        }
      }),
    ping: async () => {
      await db.run(sql`select 1`);
      return true;
    },
    close: () => client.close(),
  };
}

/** The default database of a function in dev: a libSQL file under the data folder. */
export const defaultDatabaseUrl = (dataDir: string, service: string): string =>
  `file:${dataDir}/${service}.db`;
