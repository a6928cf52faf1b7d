import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppTestKit } from "@bazaar/shared/testing";
import type { OrderSchema } from "../db";
import { orderItems, orders } from "../db/schema";
import { orderAppWithoutCatalog } from "../testing";

let t: AppTestKit<OrderSchema>;
let orderId: number;

beforeEach(async () => {
  t = await orderAppWithoutCatalog();
  const now = new Date().toISOString();
  orderId = await t.database.write(async (tx) => {
    const [order] = await tx
      .insert(orders)
      .values({
        customerId: 5,
        status: "awaiting_payment",
        totalCents: 2500,
        paymentMethod: "tok_visa",
        createdAt: now,
        updatedAt: now,
        awaitingPaymentSince: Date.now(),
        placedAtMs: Date.now() - 1000,
      })
      .returning({ id: orders.id });
    await tx.insert(orderItems).values({
      orderId: order!.id,
      productId: 3,
      productName: "Lamp",
      quantity: 1,
      unitPriceCents: 2500,
    });
    return order!.id;
  });
});
afterEach(() => t.close());

const scrape = async (series: string): Promise<number> => {
  const text = await t.metrics.registry.metrics();
  const value = new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1];
  return value === undefined ? 0 : Number(value);
};
const confirmedCount = () => scrape('orders_total{outcome="confirmed",service="order"}');
const latencyCount = () => scrape('order_placed_to_confirmed_seconds_count{service="order"}');

/**
 * Makes commits fail at COMMIT itself: every statement of the transaction succeeds, but the processed_events
 * row the receiver writes also writes a row that breaks a deferred foreign key, checked only when committing.
 */
async function failNextCommits(): Promise<() => Promise<void>> {
  const { client } = t.database;
  await client.execute(
    "CREATE TABLE commit_guard (ref integer REFERENCES orders(id) DEFERRABLE INITIALLY DEFERRED)",
  );
  await client.execute(
    "CREATE TRIGGER break_commit AFTER INSERT ON processed_events BEGIN INSERT INTO commit_guard VALUES (-1); END",
  );
  return async () => {
    await client.execute("DROP TRIGGER break_commit");
  };
}

describe("saga metrics", () => {
  it("count an outcome once it has committed: a failed commit counts nothing, its redelivery counts once", async () => {
    const id = randomUUID();
    const succeeded = () =>
      t.deliver(
        "bazaar.payment.succeeded",
        { order_id: orderId, customer_id: 5, payment_id: 1, amount_cents: 2500 },
        { id, source: "/bazaar/payment" },
      );
    const healCommits = await failNextCommits();

    const failed = await succeeded();
    expect(failed.status).toBeGreaterThanOrEqual(500); // the broker will redeliver it
    const [unchanged] = await t.database.db.select().from(orders).where(eq(orders.id, orderId));
    expect(unchanged?.status).toBe("awaiting_payment"); // the handler ran, but nothing committed
    expect(await confirmedCount()).toBe(0);
    expect(await latencyCount()).toBe(0);

    await healCommits();
    const redelivered = await succeeded();
    expect([redelivered.status, redelivered.headers.get("x-bazaar-outcome")]).toEqual([202, "applied"]);
    expect(await confirmedCount()).toBe(1);
    expect(await latencyCount()).toBe(1);

    expect((await succeeded()).headers.get("x-bazaar-outcome")).toBe("duplicate");
    expect(await confirmedCount()).toBe(1);
  });
});
