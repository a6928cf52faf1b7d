import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventData } from "@bazaar/shared/events";
import { cancelledOrders, shipments } from "../db/schema";
import { createTestShipping, type TestShipping } from "../testing";

let t: TestShipping;
// A Thursday: three business days later is the next Tuesday.
beforeEach(async () => (t = await createTestShipping({ clock: () => new Date("2025-01-09T10:00:00Z") })));
afterEach(() => t.close());

const confirmed = (order_id: number): EventData<"bazaar.order.confirmed"> => ({
  order_id,
  customer_id: 7,
  items: [{ product_id: 1, quantity: 2, unit_price_cents: 2_500 }],
  total_cents: 5_000,
  shipping_address: "1 Main St, Springfield",
});
const cancelled = (order_id: number): EventData<"bazaar.order.cancelled"> => ({
  order_id,
  customer_id: 7,
  reason: "cancelled by customer",
  previous_status: "confirmed",
});

const shipmentOf = async (orderId: number) =>
  (await t.database.db.select().from(shipments).where(eq(shipments.orderId, orderId)))[0];
const outcomeOf = (response: Response) => response.headers.get("x-bazaar-outcome");

describe("bazaar.order.confirmed", () => {
  it("schedules one shipment and emits shipment.scheduled", async () => {
    const response = await t.deliver("bazaar.order.confirmed", confirmed(3));
    expect([response.status, outcomeOf(response)]).toEqual([202, "applied"]);

    const shipment = await shipmentOf(3);
    expect(shipment).toMatchObject({
      customerId: 7,
      carrier: "UPS",
      status: "scheduled",
      shippingAddress: "1 Main St, Springfield",
      estimatedDelivery: "2025-01-14",
    });
    expect(shipment!.trackingNumber).toMatch(/^BZ[0-9A-Z]{12}$/);
    expect(await t.emitted()).toEqual([
      {
        type: "bazaar.shipment.scheduled",
        subject: "3",
        data: {
          order_id: 3,
          customer_id: 7,
          shipment_id: shipment!.id,
          carrier: "UPS",
          tracking_number: shipment!.trackingNumber,
          estimated_delivery: "2025-01-14",
        },
      },
    ]);
  });

  it("schedules once: a redelivery is a duplicate, a second confirmation is stale", async () => {
    await t.deliver("bazaar.order.confirmed", confirmed(4), { id: "one" });
    const redelivered = await t.deliver("bazaar.order.confirmed", confirmed(4), { id: "one" });
    const again = await t.deliver("bazaar.order.confirmed", confirmed(4), { id: "two" });

    expect(outcomeOf(redelivered)).toBe("duplicate");
    expect(outcomeOf(again)).toBe("stale");
    expect(await t.database.db.select().from(shipments)).toHaveLength(1);
    expect((await t.emitted()).map((e) => e.type)).toEqual(["bazaar.shipment.scheduled"]);
  });
});

describe("bazaar.order.cancelled", () => {
  it("cancels a scheduled shipment and emits shipment.cancelled once", async () => {
    await t.deliver("bazaar.order.confirmed", confirmed(5));
    const cancel = await t.deliver("bazaar.order.cancelled", cancelled(5));
    const again = await t.deliver("bazaar.order.cancelled", cancelled(5));

    expect([outcomeOf(cancel), outcomeOf(again)]).toEqual(["applied", "stale"]);
    const shipment = await shipmentOf(5);
    expect(shipment).toMatchObject({ status: "cancelled" });
    expect((await t.emitted()).at(-1)).toEqual({
      type: "bazaar.shipment.cancelled",
      subject: "5",
      data: { order_id: 5, customer_id: 7, shipment_id: shipment!.id },
    });
    expect(await t.emitted()).toHaveLength(2);
  });

  it("leaves a tombstone when nothing is scheduled yet, so a late confirmation schedules nothing", async () => {
    const cancel = await t.deliver("bazaar.order.cancelled", cancelled(6));
    const repeat = await t.deliver("bazaar.order.cancelled", cancelled(6));
    const late = await t.deliver("bazaar.order.confirmed", confirmed(6));

    expect([outcomeOf(cancel), outcomeOf(repeat), outcomeOf(late)]).toEqual(["applied", "stale", "stale"]);
    expect(await t.database.db.select().from(cancelledOrders)).toMatchObject([
      { orderId: 6, customerId: 7, reason: "cancelled by customer" },
    ]);
    expect(await shipmentOf(6)).toBeUndefined();
    expect(await t.emitted()).toEqual([]);
  });

  it("is too late once the shipment has left", async () => {
    await t.deliver("bazaar.order.confirmed", confirmed(7));
    const shipment = await shipmentOf(7);
    const staff = await t.tokenFor("staff", 50);
    expect(
      (
        await t.request("PATCH", `/api/shipments/${shipment!.id}/status`, {
          body: { status: "dispatched" },
          token: staff,
        })
      ).status,
    ).toBe(200);
    const cancel = await t.deliver("bazaar.order.cancelled", cancelled(7));

    expect(outcomeOf(cancel)).toBe("stale");
    expect(await shipmentOf(7)).toMatchObject({ status: "dispatched" });
    expect((await t.emitted()).map((e) => e.type)).toEqual([
      "bazaar.shipment.scheduled",
      "bazaar.shipment.dispatched",
    ]);
  });
});
