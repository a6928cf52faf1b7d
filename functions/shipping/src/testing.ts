import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asc } from "drizzle-orm";
import type { Hono } from "hono";
import { createTokenVerifier, loadSigningKey, localKeys, signAccessToken } from "@bazaar/shared/auth";
import { openDatabase, type Database } from "@bazaar/shared/db";
import {
  createOutbox,
  outbox,
  sourceOf,
  toBinaryMessage,
  type EventData,
  type EventType,
} from "@bazaar/shared/events";
import type { AppEnv, Role } from "@bazaar/shared/http";
import { createLogger, createMetrics } from "@bazaar/shared/observability";
import { createApp } from "./app";
import { migrationsFolder, schema, type ShippingSchema } from "./db";
import type { SchedulingSettings } from "./deps";

export interface TestShipping {
  app: Hono<AppEnv>;
  database: Database<ShippingSchema>;
  /** An access token as the customer function would sign it. */
  tokenFor(id: number, role?: Role): Promise<string>;
  /** Posts a binary-mode CloudEvent from the order function to /events. */
  deliver<T extends EventType>(
    type: T,
    data: EventData<T>,
    options?: { id?: string; subject?: string },
  ): Promise<Response>;
  get(path: string, token?: string): Promise<Response>;
  patch(path: string, body: unknown, token?: string): Promise<Response>;
  /** Events written to the outbox so far, oldest first. */
  emitted(): Promise<{ type: string; subject: string | null; data: Record<string, unknown> }[]>;
  close(): Promise<void>;
}

/** The shipping app on a temporary libSQL file, with signed tokens and a clock the test chooses. */
export async function createTestShipping(
  scheduling: Partial<SchedulingSettings> = {},
): Promise<TestShipping> {
  const dir = mkdtempSync(join(tmpdir(), "bazaar-shipping-"));
  const logger = createLogger("shipping", "silent");
  const metrics = createMetrics("shipping");
  const database = await openDatabase({ url: `file:${join(dir, "shipping.db")}`, schema, migrationsFolder });
  const box = createOutbox({ database, source: sourceOf("shipping"), onCommit: () => undefined });
  const key = await loadSigningKey({ dataDir: dir });
  const tokenSettings = { issuer: "bazaar", audience: "bazaar" };
  const app = createApp({
    http: { service: "shipping", logger, metrics, bodyLimitBytes: 64 * 1024 },
    database,
    outbox: box,
    verify: createTokenVerifier(localKeys(key), tokenSettings),
    scheduling: { businessDays: 3, clock: () => new Date(), ...scheduling },
  });

  return {
    app,
    database,
    tokenFor: (id, role = "customer") =>
      signAccessToken(
        key,
        { id, role, email: `${role}${id}@test.local` },
        { ...tokenSettings, ttlSeconds: 300 },
      ),
    deliver: async (type, data, options = {}) => {
      const message = toBinaryMessage({
        id: options.id ?? randomUUID(),
        type,
        source: "/bazaar/order",
        subject: options.subject ?? String((data as { order_id?: number }).order_id ?? ""),
        time: new Date().toISOString(),
        data,
        traceparent: null,
        correlationid: null,
      });
      return app.request("/events", { method: "POST", headers: message.headers, body: message.body });
    },
    get: async (path, token) =>
      app.request(path, token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    patch: async (path, body, token) =>
      app.request(path, {
        method: "PATCH",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      }),
    emitted: async () =>
      (await database.db.select().from(outbox).orderBy(asc(outbox.createdAt))).map((row) => ({
        type: row.type,
        subject: row.subject,
        data: JSON.parse(row.data) as Record<string, unknown>,
      })),
    close: async () => {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
