import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventData } from "@bazaar/shared/events";
import type { AppTestKit } from "@bazaar/shared/testing";
import type { OrderSchema } from "../db";
import { orders, type OrderStatus } from "../db/schema";
import { orderAppWithoutCatalog } from "../testing";

const CUSTOMER = 5;
let t: AppTestKit<OrderSchema>;

beforeEach(async () => {
  t = await orderAppWithoutCatalog();
});
afterEach(() => t.close());

/** A $25 order in `status`, its payment not yet settled. */
async function anOrder(status: OrderStatus): Promise<number> {
  const now = new Date().toISOString();
  return t.database.write(async (tx) => {
    const [order] = await tx
      .insert(orders)
      .values({
        customerId: CUSTOMER,
        status,
        totalCents: 2500,
        paymentMethod: "tok_slow",
        createdAt: now,
        updatedAt: now,
        awaitingPaymentSince: status === "awaiting_payment" ? Date.now() : null,
        placedAtMs: Date.now(),
      })
      .returning({ id: orders.id });
    if (!order) throw new Error("insert returned nothing");
    return order.id;
  });
}

const voided = (order_id: number): EventData<"bazaar.payment.voided"> => ({
  order_id,
  customer_id: CUSTOMER,
  payment_id: 7,
});
const outcomeOf = (response: Response) => [response.status, response.headers.get("x-bazaar-outcome")];
const detailOf = async (id: number) =>
  (await (await t.get(`/api/orders/${id}`, await t.tokenFor("customer", CUSTOMER))).json()) as {
    status: string;
    payment_status: string;
    timeline: { event: string; detail: string }[];
  };

describe("bazaar.payment.voided", () => {
  it("tells a cancelled order that nothing was charged: its payment status reads voided, once", async () => {
    const id = await anOrder("awaiting_payment");
    const customer = await t.tokenFor("customer", CUSTOMER);
    expect((await t.request("POST", `/api/orders/${id}/cancel`, { token: customer })).status).toBe(200);
    expect(await detailOf(id)).toMatchObject({ status: "cancelled", payment_status: "pending" });

    const delivery = { id: "the-void" };
    expect(outcomeOf(await t.deliver("bazaar.payment.voided", voided(id), delivery))).toEqual([
      202,
      "applied",
    ]);
    expect(outcomeOf(await t.deliver("bazaar.payment.voided", voided(id), delivery))).toEqual([
      202,
      "duplicate",
    ]);
    expect(outcomeOf(await t.deliver("bazaar.payment.voided", voided(id)))).toEqual([202, "stale"]);

    const order = await detailOf(id);
    expect(order).toMatchObject({ status: "cancelled", payment_status: "voided" });
    expect(order.timeline.filter((step) => step.event === "bazaar.payment.voided")).toEqual([
      expect.objectContaining({ detail: "payment voided; nothing was charged" }),
    ]);
    // A compensation answers the cancellation: it causes no event of its own.
    expect((await t.emitted()).map((event) => event.type)).toEqual(["bazaar.order.cancelled"]);
  });

  it("is refused for an order that was not cancelled (5xx: dead-lettered for an operator) and changes nothing", async () => {
    const id = await anOrder("awaiting_payment");
    const before = await detailOf(id);
    const refused = await t.deliver("bazaar.payment.voided", voided(id));
    expect(refused.status).toBe(500);
    expect(((await refused.json()) as { detail: string }).detail).toBe(
      `event handling failed: bazaar.payment.voided for order ${id}, but the order is awaiting_payment, not cancelled`,
    );
    expect(await detailOf(id)).toEqual(before);
  });

  it("about an order this database never had is stale", async () => {
    expect(outcomeOf(await t.deliver("bazaar.payment.voided", voided(987_654)))).toEqual([202, "stale"]);
  });

  it("counts only when payment signed it, as every event", async () => {
    const id = await anOrder("cancelled");
    for (const forgery of [{ signer: "order" }, { unsigned: true }, { source: "/bazaar/order" }] as const)
      expect((await t.deliver("bazaar.payment.voided", voided(id), forgery)).status).toBe(403);
    expect((await detailOf(id)).payment_status).toBe("pending");
  });
});
