/**
 * Two replicas of the order function: two apps, each with its own client on one database file, as two
 * processes behind Knative's routing. What one replica did, the other must honour.
 */
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMetrics } from "@bazaar/shared/observability";
import {
  createTestKit,
  withApp,
  type AppTestKit,
  type Replica,
  type Requestable,
} from "@bazaar/shared/testing";
import { createApp } from "./app";
import { migrationsFolder, schema, type OrderSchema } from "./db";
import { orders } from "./db/schema";
import type { CatalogClient } from "./domain/placement";

const catalog: CatalogClient = {
  product: async (id) => ({ id, name: `product ${id}`, priceCents: 1250, available: 1000 }),
};
const settings = { paymentTimeoutSeconds: 60, maxItems: 50 };

let first: AppTestKit<OrderSchema>;
let second: ReturnType<typeof createApp>;
let replica: Replica<OrderSchema>;

beforeEach(async () => {
  const kit = await createTestKit({ service: "order", schema, migrationsFolder });
  first = withApp(kit, createApp({ ...kit, catalog, settings }));
  replica = await kit.replica();
  // A process of its own: its own metrics too.
  const http = { ...kit.http, metrics: createMetrics("order") };
  second = createApp({ ...kit, ...replica, http, catalog, settings });
});
afterEach(() => first.close());

const both = (): Requestable[] => [first.app, second];
const countOf = async (query: ReturnType<typeof sql>) =>
  (await first.database.db.all<{ n: number }>(query))[0]?.n ?? 0;

describe("order with two replicas on one database", () => {
  it("answers one Idempotency-Key with the same order, whichever replica each retry reaches", async () => {
    const token = await first.tokenFor("customer", 7);
    const place = (app: Requestable) =>
      app.request("/api/orders", {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "idempotency-key": "checkout-42",
        },
        body: JSON.stringify({ product_id: 3, quantity: 2 }),
      });
    // Ten at once, alternating replicas: a client retrying through a round-robin.
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => place(both()[i % 2]!)));
    expect(answers.map((a) => a.status)).toEqual(Array<number>(10).fill(202));
    const ids = await Promise.all(answers.map(async (a) => ((await a.json()) as { id: number }).id));
    expect(new Set(ids).size).toBe(1);
    expect(await countOf(sql`select count(*) as n from orders`)).toBe(1);
    expect(await countOf(sql`select count(*) as n from outbox where type = 'bazaar.order.placed'`)).toBe(1);
  });

  it("cancels each timed-out order once when both replicas sweep at the same time", async () => {
    const long = Date.now() - 10 * 60_000;
    const now = new Date().toISOString();
    await first.database.write((tx) =>
      tx.insert(orders).values(
        Array.from({ length: 20 }, () => ({
          customerId: 7,
          status: "awaiting_payment" as const,
          totalCents: 1250,
          paymentMethod: "tok_visa",
          createdAt: now,
          updatedAt: now,
          placedAtMs: long,
          awaitingPaymentSince: long,
        })),
      ),
    );
    const sweep = async (app: Requestable) =>
      (await (await app.request("/tasks/sweep", { method: "POST" })).json()) as { cancelled: number[] };
    const runs = await Promise.all([sweep(first.app), sweep(second), sweep(first.app), sweep(second)]);
    const cancelled = runs.flatMap((run) => run.cancelled);
    expect(cancelled).toHaveLength(20);
    expect(new Set(cancelled).size).toBe(20);
    expect(await countOf(sql`select count(*) as n from orders where status = 'cancelled'`)).toBe(20);
    expect(await countOf(sql`select count(*) as n from outbox where type = 'bazaar.order.cancelled'`)).toBe(
      20,
    );
  });

  it("refuses a closed account's token on every replica once one of them took the event", async () => {
    const token = await first.tokenFor("customer", 7);
    for (const app of both())
      expect(
        (await app.request("/api/orders", { headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(200);
    expect((await first.deliver("bazaar.customer.deleted", { customer_id: 7 })).status).toBe(202);
    for (const app of both())
      expect(
        (await app.request("/api/orders", { headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(401);
  });
});
