import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@libsql/core/api";
import { sql } from "drizzle-orm";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
// drizzle's libSQL driver by way of its HTTP entry, which takes any client: the main one imports the whole
// of @libsql/client (its local and WebSocket clients too), more to load at every start for nothing we use.
import { drizzle } from "drizzle-orm/libsql/http";
import { migrate } from "drizzle-orm/libsql/migrator";
import { Unavailable } from "../errors";
import { isBusyError, openClient } from "./client";
import { Mutex } from "./mutex";
import { OpenTransactionClient, type Execute } from "./open-transaction";

export type Db<S extends Record<string, unknown>> = LibSQLDatabase<S>;
export type Tx<S extends Record<string, unknown>> = Parameters<Parameters<Db<S>["transaction"]>[0]>[0];

export interface Database<S extends Record<string, unknown>> {
  db: Db<S>;
  client: Client;
  /**
   * Runs a write transaction, one at a time per process; SQLITE_BUSY becomes a retryable 503. Every write
   * goes through here: a local libSQL write beside an open transaction would block the event loop. `execute`
   * runs statements of fixed SQL text in the same transaction, for the few that every event writes.
   */
  write<T>(work: (tx: Tx<S>, execute: Execute) => Promise<T>): Promise<T>;
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
  const tracking = new OpenTransactionClient(client);
  const db = drizzle({ client: tracking, schema: options.schema });
  if (!(await allApplied(client, options.migrationsFolder))) await migrateOnce(db, options.migrationsFolder);
  const writes = writeLockOf(options.url);

  return {
    db,
    client,
    write: (work) =>
      writes.run(async () => {
        try {
          return await db.transaction((tx) => work(tx, tracking.executeInOpenTransaction));
        } catch (error) {
          if (isBusyError(error))
            throw new Unavailable("database is busy, retry shortly", { cause: error, retryAfterSeconds: 1 });
          throw error;
        } finally {
          tracking.forgetTransaction();
        }
      }),
    ping: async () => {
      await db.run(sql`select 1`);
      return true;
    },
    close: () => client.close(),
  };
}

/**
 * One write lock per database in a process, however many times it is opened: a second client's BEGIN
 * IMMEDIATE would wait in SQLite's busy handler, which blocks the thread, while the first client's open
 * transaction waits for that same thread to go on, until the busy timeout fails it. (Two replicas of a
 * function in a test process open one file twice; separate processes wait for each other as they should.)
 */
const writeLocks = new Map<string, Mutex>();
function writeLockOf(url: string): Mutex {
  let lock = writeLocks.get(url);
  if (!lock) writeLocks.set(url, (lock = new Mutex()));
  return lock;
}

/** drizzle's migrator's table, where each applied migration is a row with its journal entry's time. */
const MIGRATIONS_TABLE = "__drizzle_migrations";

interface Journal {
  entries: { when: number }[];
}

/**
 * Whether drizzle's migrator would find nothing to apply, by its own rule: it applies each journal entry
 * whose time is after the newest created_at of its table. It answers that only after reading and hashing
 * every migration file and running a CREATE TABLE IF NOT EXISTS and an empty transaction, a few ms of
 * every start (and three round trips to a remote database), where this one read is enough. A start that
 * finds something missing, or no table yet, or any error, leaves it all to the migrator as before.
 */
async function allApplied(client: Client, migrationsFolder: string): Promise<boolean> {
  try {
    const journal = JSON.parse(readFileSync(join(migrationsFolder, "meta/_journal.json"), "utf8")) as Journal;
    const newest = Math.max(...journal.entries.map((entry) => entry.when));
    const { rows } = await client.execute(`SELECT max(created_at) FROM ${MIGRATIONS_TABLE}`);
    return Number(rows[0]?.[0] ?? Number.NaN) >= newest;
  } catch {
    return false;
  }
}

/**
 * Applies the migrations not applied yet. Replicas of a function start together on one database, and two may
 * both find a migration missing: the second one's copy then fails ("table ... already exists") and rolls
 * back whole. Once more, drizzle's migrator reads what the first applied and has nothing left to do.
 */
async function migrateOnce<S extends Record<string, unknown>>(
  db: Db<S>,
  migrationsFolder: string,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrate(db, { migrationsFolder });
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/** The default database of a function in dev: a libSQL file under the data folder. */
export const defaultDatabaseUrl = (dataDir: string, service: string): string =>
  `file:${dataDir}/${service}.db`;
