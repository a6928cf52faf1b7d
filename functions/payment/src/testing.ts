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
import { migrationsFolder, schema, type PaymentSchema } from "./db";
import { createSimulatedProcessor, type ProcessorSettings } from "./domain/processor";
import { createSettler, type Settler } from "./domain/settlement";

export interface TestPayment {
  app: Hono<AppEnv>;
  database: Database<PaymentSchema>;
  settler: Settler;
  /** An access token as the customer function would sign it. */
  tokenFor(id: number, role?: Role): Promise<string>;
  /** Posts a binary-mode CloudEvent from the order function to /events. */
  deliver<T extends EventType>(
    type: T,
    data: EventData<T>,
    options?: { id?: string; subject?: string },
  ): Promise<Response>;
  get(path: string, token?: string): Promise<Response>;
  /** Events written to the outbox so far, oldest first. */
  emitted(): Promise<{ type: string; subject: string | null; data: Record<string, unknown> }[]>;
  close(): Promise<void>;
}

/** The payment app on a temporary libSQL file, signed tokens and a fast simulated processor. */
export async function createTestPayment(processor: Partial<ProcessorSettings> = {}): Promise<TestPayment> {
  const dir = mkdtempSync(join(tmpdir(), "bazaar-payment-"));
  const logger = createLogger("payment", "silent");
  const metrics = createMetrics("payment");
  const database = await openDatabase({ url: `file:${join(dir, "payment.db")}`, schema, migrationsFolder });
  const box = createOutbox({ database, source: sourceOf("payment"), onCommit: () => undefined });
  const key = await loadSigningKey({ dataDir: dir });
  const tokenSettings = { issuer: "bazaar", audience: "bazaar" };
  const settler = createSettler({
    database,
    outbox: box,
    processor: createSimulatedProcessor({ slowMs: 50, limitCents: 1_000_000, ...processor }),
    logger,
    metrics,
  });
  const app = createApp({
    http: { service: "payment", logger, metrics, bodyLimitBytes: 64 * 1024 },
    database,
    outbox: box,
    verify: createTokenVerifier(localKeys(key), tokenSettings),
    settler,
  });

  return {
    app,
    database,
    settler,
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
    emitted: async () =>
      (await database.db.select().from(outbox).orderBy(asc(outbox.createdAt))).map((row) => ({
        type: row.type,
        subject: row.subject,
        data: JSON.parse(row.data) as Record<string, unknown>,
      })),
    close: async () => {
      await settler.stop();
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
