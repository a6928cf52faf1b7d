import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asc } from "drizzle-orm";
import type { Hono } from "hono";
import { createTokenVerifier, loadSigningKey, localKeys, signAccessToken } from "@bazaar/shared/auth";
import { openDatabase, type Database } from "@bazaar/shared/db";
import { createOutbox, outbox, sourceOf, type EventData, type EventType } from "@bazaar/shared/events";
import type { AppEnv, Role } from "@bazaar/shared/http";
import { createLogger, createMetrics, type Metrics } from "@bazaar/shared/observability";
import { createApp } from "./app";
import { migrationsFolder, schema, type InventorySchema } from "./db";

/** For unit tests only: the real app over a temporary libSQL file, tokens and CloudEvent delivery. */
export interface TestKit {
  app: Hono<AppEnv>;
  database: Database<InventorySchema>;
  metrics: Metrics;
  tokenFor(role: Role, id?: number): Promise<string>;
  /** Sends a binary-mode CloudEvent from the order function to /events. */
  deliver<T extends EventType>(type: T, data: EventData<T>, options?: { id?: string }): Promise<Response>;
  /** Events this function wrote to its outbox, oldest first. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read event data loosely
  emitted(): Promise<{ type: string; subject: string | null; data: any }[]>;
  request(method: string, path: string, options?: { body?: unknown; token?: string }): Promise<Response>;
  close(): void;
}

const settings = { issuer: "bazaar", audience: "bazaar" };

export async function createTestKit(): Promise<TestKit> {
  const dir = mkdtempSync(join(tmpdir(), "bazaar-inventory-"));
  const database = await openDatabase({ url: `file:${join(dir, "inventory.db")}`, schema, migrationsFolder });
  const key = await loadSigningKey({ dataDir: dir });
  const metrics = createMetrics("inventory");
  const app = createApp({
    http: {
      service: "inventory",
      logger: createLogger("inventory", "silent"),
      metrics,
      bodyLimitBytes: 64 * 1024,
    },
    database,
    outbox: createOutbox({ database, source: sourceOf("inventory"), onCommit: () => undefined }),
    verify: createTokenVerifier(localKeys(key), settings),
  });

  return {
    app,
    database,
    metrics,
    tokenFor: (role, id = 1) =>
      signAccessToken(key, { id, role, email: `${role}${id}@test.local` }, { ...settings, ttlSeconds: 300 }),
    deliver: async (type, data, options = {}) =>
      app.request("/events", {
        method: "POST",
        headers: {
          "ce-specversion": "1.0",
          "ce-id": options.id ?? randomUUID(),
          "ce-source": sourceOf("order"),
          "ce-type": type,
          "ce-subject": String((data as { order_id?: number }).order_id ?? ""),
          "content-type": "application/json",
        },
        body: JSON.stringify(data),
      }),
    emitted: async () => {
      const rows = await database.db.select().from(outbox).orderBy(asc(outbox.createdAt));
      return rows.map((r) => ({ type: r.type, subject: r.subject, data: JSON.parse(r.data) }));
    },
    request: async (method, path, options = {}) =>
      app.request(path, {
        method,
        headers: {
          ...(options.body !== undefined && { "content-type": "application/json" }),
          ...(options.token && { authorization: `Bearer ${options.token}` }),
        },
        ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
      }),
    close: () => {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
