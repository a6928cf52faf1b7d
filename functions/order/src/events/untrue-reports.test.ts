import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Invalid } from "@bazaar/shared/errors";
import type { BazaarEvent, EventData, EventHandler, EventType } from "@bazaar/shared/events";
import { nextTraceparent } from "@bazaar/shared/http";
import { createTestKit, type TestKit } from "@bazaar/shared/testing";
import { orderEventHandlers } from ".";
import { migrationsFolder, schema, type OrderSchema } from "../db";
import { orderItems, orders, orderTimeline, type OrderStatus } from "../db/schema";
import { createOrderMetrics } from "../domain/metrics";

/**
 * Reports that contradict what the order function knows (a $350 order paid with one cent, a reservation of
 * other stock) are refused and change nothing. The handlers are called as the receiver calls them, inside
 * one outbox write, so these tests hold whatever the receiver checks before them (signatures, dedupe).
 */
let kit: TestKit<OrderSchema>;
let handle: <T extends EventType>(type: T, data: EventData<T>) => Promise<unknown>;

beforeEach(async () => {
  kit = await createTestKit({ service: "order", schema, migrationsFolder });
  const handlers = orderEventHandlers(createOrderMetrics(kit.metrics.registry));
  handle = async (type, data) => {
    const handler = handlers[type] as EventHandler<OrderSchema, typeof type> | undefined;
    if (!handler) throw new Error(`no handler for ${type}`);
    const event: BazaarEvent<typeof type> = {
      id: randomUUID(),
      source: "/bazaar/test",
      type,
      subject: undefined,
      time: undefined,
      data,
      traceparent: undefined,
      correlationid: undefined,
    };
    const log = kit.http.logger;
    const trace = { correlationId: randomUUID(), traceparent: nextTraceparent(undefined) };
    const afterCommit = (): void => undefined; // these tests read the database, not the metrics
    return kit.outbox.write(trace, (tx, emit) => handler(event, { tx, emit, log, afterCommit }));
  };
});
afterEach(() => kit.close());

/** A $350 monitor and three $10 mice, in `status`. */
async function anOrder(status: OrderStatus): Promise<number> {
  const now = new Date().toISOString();
  return kit.database.write(async (tx) => {
    const [order] = await tx
      .insert(orders)
      .values({
        customerId: 5,
        status,
        totalCents: 38_000,
        paymentMethod: "tok_visa",
        createdAt: now,
        updatedAt: now,
        awaitingPaymentSince: status === "awaiting_payment" ? Date.now() : null,
        placedAtMs: Date.now(),
      })
      .returning({ id: orders.id });
    if (!order) throw new Error("insert returned nothing");
    await tx.insert(orderItems).values([
      { orderId: order.id, productId: 4, productName: "Monitor", quantity: 1, unitPriceCents: 35_000 },
      { orderId: order.id, productId: 2, productName: "Mouse", quantity: 3, unitPriceCents: 1_000 },
    ]);
    return order.id;
  });
}

const orderOf = async (id: number) =>
  (await kit.database.db.select().from(orders).where(eq(orders.id, id)))[0];
const timelineOf = (id: number) =>
  kit.database.db.select().from(orderTimeline).where(eq(orderTimeline.orderId, id));
/** The order, its timeline and the outbox: what a refused event must leave as it found them. */
const everything = async (id: number) => ({
  order: await orderOf(id),
  timeline: await timelineOf(id),
  emitted: await kit.emitted(),
});

const paid = (order_id: number, amount_cents: number): EventData<"bazaar.payment.succeeded"> => ({
  order_id,
  customer_id: 5,
  payment_id: 1,
  amount_cents,
});
const reserved = (order_id: number, items: { product_id: number; quantity: number }[]) => ({
  order_id,
  items,
});

describe("bazaar.payment.succeeded", () => {
  it("for one cent of a $380 order is refused and confirms nothing; the order's total confirms it", async () => {
    const id = await anOrder("awaiting_payment");
    const before = await everything(id);

    await expect(handle("bazaar.payment.succeeded", paid(id, 1))).rejects.toThrow(
      new Invalid(`bazaar.payment.succeeded for order ${id} says $0.01, but the order's total is $380.00`),
    );
    expect(await everything(id)).toEqual(before);

    expect(await handle("bazaar.payment.succeeded", paid(id, 38_000))).toBe("applied");
    expect(await orderOf(id)).toMatchObject({ status: "confirmed", paymentStatus: "captured" });
    expect((await kit.emitted()).map((event) => event.type)).toEqual(["bazaar.order.confirmed"]);
  });

  it("is refused for a wrong amount even once the order has ended, instead of noted as to be refunded", async () => {
    const id = await anOrder("cancelled");
    const before = await everything(id);
    await expect(handle("bazaar.payment.succeeded", paid(id, 38_001))).rejects.toThrow(Invalid);
    expect(await everything(id)).toEqual(before);
    expect(await handle("bazaar.payment.succeeded", paid(id, 38_000))).toBe("stale");
  });

  it("about an order this database never had is stale, as before: there is nothing to compare with", async () => {
    expect(await handle("bazaar.payment.succeeded", paid(987_654, 1))).toBe("stale");
  });
});

describe("bazaar.payment.refunded", () => {
  it("of another amount than the order's total is refused; the total is noted as refunded", async () => {
    const id = await anOrder("cancelled");
    const before = await everything(id);
    const refund = (amount_cents: number) => ({ ...paid(id, amount_cents), payment_id: 3 });

    await expect(handle("bazaar.payment.refunded", refund(1))).rejects.toThrow(Invalid);
    expect(await everything(id)).toEqual(before);

    expect(await handle("bazaar.payment.refunded", refund(38_000))).toBe("applied");
    expect(await orderOf(id)).toMatchObject({ paymentStatus: "refunded" });
    expect((await timelineOf(id)).map((step) => step.detail)).toEqual(["refunded $380.00"]);
  });
});

describe("bazaar.inventory.reserved", () => {
  it.each([
    [
      "fewer units",
      [
        { product_id: 4, quantity: 1 },
        { product_id: 2, quantity: 1 },
      ],
    ],
    ["a line missing", [{ product_id: 4, quantity: 1 }]],
    [
      "another product",
      [
        { product_id: 4, quantity: 1 },
        { product_id: 9, quantity: 3 },
      ],
    ],
  ])("of %s than ordered is refused and requests no payment", async (_, items) => {
    const id = await anOrder("pending");
    const before = await everything(id);
    await expect(handle("bazaar.inventory.reserved", reserved(id, items))).rejects.toThrow(Invalid);
    expect(await everything(id)).toEqual(before);
  });

  it("of the order's lines moves it to awaiting payment and requests its total", async () => {
    const id = await anOrder("pending");
    const items = [
      { product_id: 2, quantity: 3 },
      { product_id: 4, quantity: 1 },
    ];
    expect(await handle("bazaar.inventory.reserved", reserved(id, items))).toBe("applied");
    expect(await orderOf(id)).toMatchObject({ status: "awaiting_payment" });
    expect((await kit.emitted()).map(({ type, data }) => [type, data.amount_cents])).toEqual([
      ["bazaar.payment.requested", 38_000],
    ]);
  });
});
