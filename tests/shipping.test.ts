import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver } from "./support/events";
import { call, pause } from "./support/http";
import { adminToken, newShopper, type Shopper } from "./support/shop";
import { startSink, type Sink } from "./support/sink";
import { startSystem, type System } from "./support/system";

const DAY_MS = 24 * 60 * 60 * 1000;

describe("shipping function", () => {
  let system: System;
  /** Stands in for the broker: records every CloudEvent the shipping relay publishes. */
  let sink: Sink;
  let shipping: string;
  let alice: Shopper;
  let bob: Shopper;
  let admin: string;
  let staff: string;

  /** A CloudEvent from the order function, as the broker delivers it. */
  const toShipping = (type: string, data: Record<string, unknown>, id?: string) =>
    deliver(system.eventKeys, `${shipping}/events`, type, data, { id });
  const confirmOrder = (order_id: number, customer_id: number, id?: string) =>
    toShipping(
      "bazaar.order.confirmed",
      {
        order_id,
        customer_id,
        items: [{ product_id: 1, quantity: 1, unit_price_cents: 120_000 }],
        total_cents: 120_000,
        shipping_address: "12 Harbour Road, Portsmouth",
      },
      id,
    );
  const cancelOrder = (order_id: number, customer_id: number) =>
    toShipping("bazaar.order.cancelled", {
      order_id,
      customer_id,
      reason: "cancelled by customer",
      previous_status: "confirmed",
    });
  const shipmentOf = (orderId: number, token = admin) =>
    call("GET", `${shipping}/api/shipments/order/${orderId}`, { token });
  const setStatus = (id: number, status: string, token = staff) =>
    call("PATCH", `${shipping}/api/shipments/${id}/status`, { body: { status }, token });
  const published = (orderId: number) => sink.events.filter((e) => e.subject === String(orderId));
  const publishedEventually = (orderId: number, type: string) =>
    sink.waitFor(type, (e) => e.subject === String(orderId));

  beforeAll(async () => {
    sink = await startSink();
    system = await startSystem({
      services: ["customer", "shipping"],
      env: { shipping: { K_SINK: sink.url, SHIPPING_BUSINESS_DAYS: "2" } },
    });
    shipping = system.url("shipping");
    admin = await adminToken(system);
    alice = await newShopper(system.url("customer"));
    bob = await newShopper(system.url("customer"));
    staff = (await newShopper(system.url("customer"), "staff", admin)).token;
  });

  afterAll(async () => {
    await system?.stop();
    await sink?.stop();
  });

  it("schedules one shipment per confirmed order, two business days out, and publishes it", async () => {
    const id = randomUUID();
    const first = await confirmOrder(2001, alice.id, id);
    const duplicate = await confirmOrder(2001, alice.id, id);
    const again = await confirmOrder(2001, alice.id);
    expect([first.status, first.headers.get("x-bazaar-outcome")]).toEqual([202, "applied"]);
    expect(duplicate.headers.get("x-bazaar-outcome")).toBe("duplicate");
    expect(again.headers.get("x-bazaar-outcome")).toBe("stale");

    const { status, body } = await shipmentOf(2001, alice.token);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      order_id: 2001,
      customer_id: alice.id,
      status: "scheduled",
      shipping_address: "12 Harbour Road, Portsmouth",
    });
    expect(["UPS", "FedEx", "DHL"]).toContain(body.carrier);
    expect(body.tracking_number).toMatch(/^BZ[0-9A-Z]{12}$/);
    const estimate = new Date(`${body.estimated_delivery}T00:00:00Z`);
    const today = Date.parse(new Date().toISOString().slice(0, 10));
    expect([1, 2, 3, 4, 5]).toContain(estimate.getUTCDay());
    expect(estimate.getTime() - today).toBeGreaterThanOrEqual(2 * DAY_MS);
    expect(estimate.getTime() - today).toBeLessThanOrEqual(4 * DAY_MS);

    const event = await publishedEventually(2001, "bazaar.shipment.scheduled");
    expect(event.data).toEqual({
      order_id: 2001,
      customer_id: alice.id,
      shipment_id: body.id,
      carrier: body.carrier,
      tracking_number: body.tracking_number,
      estimated_delivery: body.estimated_delivery,
    });
    await pause(800); // a few relay ticks: a second scheduling would have been published by now
    expect(published(2001).map((e) => e.type)).toEqual(["bazaar.shipment.scheduled"]);
  });

  it("shows a shipment to its owner, staff and admins, never to another customer", async () => {
    const { body: shipment } = await shipmentOf(2001);
    const paths = [
      `/api/shipments/${shipment.id}`,
      "/api/shipments/order/2001",
      `/api/shipments/track/${shipment.tracking_number}`,
    ];
    for (const path of paths) {
      for (const token of [alice.token, staff, admin])
        expect((await call("GET", `${shipping}${path}`, { token })).body).toEqual(shipment);
      // Another customer's shipment answers as a missing one would: its existence is not confirmed.
      const other = await call("GET", `${shipping}${path}`, { token: bob.token });
      expect(other.status).toBe(404);
      expect(other.headers.get("content-type")).toContain("application/problem+json");
      expect(other.body.detail).toMatch(/^shipment .* not found$/);
    }
    const bobs = await call("GET", `${shipping}/api/shipments`, { token: bob.token });
    expect(bobs.body.shipments).toEqual([]);
    const all = await call("GET", `${shipping}/api/shipments`, { token: staff });
    expect(all.body.shipments.map((s: any) => s.order_id)).toContain(2001);
  });

  it("lets staff move a shipment along legal steps only, publishing each step", async () => {
    const { body: shipment } = await shipmentOf(2001);
    expect((await setStatus(shipment.id, "dispatched", alice.token)).status).toBe(403);
    const skip = await setStatus(shipment.id, "delivered");
    expect(skip.status).toBe(409);
    expect(skip.body.detail).toBe(
      `shipment ${shipment.id} is scheduled: it can become dispatched, not delivered`,
    );

    expect((await setStatus(shipment.id, "dispatched")).body.status).toBe("dispatched");
    expect((await setStatus(shipment.id, "dispatched")).status).toBe(409);
    expect((await setStatus(shipment.id, "delivered", admin)).body.status).toBe("delivered");

    await publishedEventually(2001, "bazaar.shipment.delivered");
    expect(published(2001).map((e) => e.type)).toEqual([
      "bazaar.shipment.scheduled",
      "bazaar.shipment.dispatched",
      "bazaar.shipment.delivered",
    ]);
    const tooLate = await cancelOrder(2001, alice.id);
    expect(tooLate.headers.get("x-bazaar-outcome")).toBe("stale");
    expect((await shipmentOf(2001)).body.status).toBe("delivered");
  });

  it("cancels a scheduled shipment when its order is cancelled", async () => {
    await confirmOrder(2002, bob.id);
    const { body: shipment } = await shipmentOf(2002);
    expect((await cancelOrder(2002, bob.id)).headers.get("x-bazaar-outcome")).toBe("applied");

    expect((await shipmentOf(2002, bob.token)).body.status).toBe("cancelled");
    const event = await publishedEventually(2002, "bazaar.shipment.cancelled");
    expect(event.data).toEqual({ order_id: 2002, customer_id: bob.id, shipment_id: shipment.id });
    expect((await setStatus(shipment.id, "dispatched")).status).toBe(409);
  });

  it("schedules nothing for an order cancelled before its confirmation arrived", async () => {
    expect((await cancelOrder(2003, bob.id)).headers.get("x-bazaar-outcome")).toBe("applied");
    const late = await confirmOrder(2003, bob.id);
    expect([late.status, late.headers.get("x-bazaar-outcome")]).toEqual([202, "stale"]);

    expect((await shipmentOf(2003)).status).toBe(404);
    await pause(800);
    expect(published(2003)).toEqual([]);
  });
});
