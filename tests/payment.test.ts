import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver } from "./support/events";
import { call, eventually, pause } from "./support/http";
import { adminToken, newShopper, type Shopper } from "./support/shop";
import { startSink, type Sink } from "./support/sink";
import { startSystem, type System } from "./support/system";

describe("payment function", () => {
  let system: System;
  /** Stands in for the broker: records every CloudEvent the payment relay publishes. */
  let sink: Sink;
  let payment: string;
  let alice: Shopper;
  let bob: Shopper;
  let admin: string;
  let staff: string;

  /** A CloudEvent from the order function, as the broker delivers it. */
  const toPayment = (type: string, data: Record<string, unknown>, id?: string, extensions = {}) =>
    deliver(system.eventKeys, `${payment}/events`, type, data, { id, extensions });
  const requestPayment = (order_id: number, customer_id: number, amount_cents: number, method = "tok_visa") =>
    toPayment("bazaar.payment.requested", { order_id, customer_id, amount_cents, payment_method: method });
  const cancelOrder = (order_id: number, customer_id: number) =>
    toPayment("bazaar.order.cancelled", {
      order_id,
      customer_id,
      reason: "cancelled by customer",
      previous_status: "confirmed",
    });
  const paymentOf = (orderId: number, token = admin) =>
    call("GET", `${payment}/api/payments/order/${orderId}`, { token });
  const settled = (orderId: number, status: string) =>
    eventually(
      async () => {
        const res = await paymentOf(orderId);
        return res.body?.status === status ? res.body : undefined;
      },
      10_000,
      `payment of order ${orderId} to be ${status}`,
    );
  const published = (orderId: number) => sink.events.filter((e) => e.subject === String(orderId));
  const publishedEventually = (orderId: number, type: string) =>
    sink.waitFor(type, (e) => e.subject === String(orderId));

  beforeAll(async () => {
    sink = await startSink();
    system = await startSystem({
      services: ["customer", "payment"],
      env: {
        payment: { K_SINK: sink.url, PAYMENT_SLOW_MS: "300", PAYMENT_LIMIT_CENTS: "100000" },
      },
    });
    payment = system.url("payment");
    admin = await adminToken(system);
    alice = await newShopper(system.url("customer"));
    bob = await newShopper(system.url("customer"));
    staff = (await newShopper(system.url("customer"), "staff", admin)).token;
  });

  afterAll(async () => {
    await system?.stop();
    await sink?.stop();
  });

  it("charges a requested payment once and publishes payment.succeeded with the caller's trace", async () => {
    const id = randomUUID();
    const first = await toPayment(
      "bazaar.payment.requested",
      { order_id: 1001, customer_id: alice.id, amount_cents: 4_999, payment_method: "tok_visa" },
      id,
      { correlationid: "checkout-1001" },
    );
    expect([first.status, first.headers.get("x-bazaar-outcome")]).toEqual([202, "applied"]);
    const sameDelivery = await toPayment(
      "bazaar.payment.requested",
      { order_id: 1001, customer_id: alice.id, amount_cents: 4_999, payment_method: "tok_visa" },
      id,
    );
    expect(sameDelivery.headers.get("x-bazaar-outcome")).toBe("duplicate");
    const secondRequest = await requestPayment(1001, alice.id, 4_999, "tok_mastercard");
    expect([secondRequest.status, secondRequest.headers.get("x-bazaar-outcome")]).toEqual([202, "stale"]);
    // Another amount for the same order cannot be true (order asks once, for its total): 5xx, dead-lettered.
    expect((await requestPayment(1001, alice.id, 1)).status).toBe(500);

    const body = await settled(1001, "succeeded");
    expect(body).toMatchObject({ order_id: 1001, customer_id: alice.id, amount: 49.99, method: "tok_visa" });
    const event = await publishedEventually(1001, "bazaar.payment.succeeded");
    expect(event.data).toEqual({
      order_id: 1001,
      customer_id: alice.id,
      payment_id: body.id,
      amount_cents: 4_999,
    });
    expect(event.headers["ce-source"]).toBe("/bazaar/payment");
    expect(event.headers["ce-correlationid"]).toBe("checkout-1001");

    await pause(800); // a few relay ticks: anything charged twice would have been published by now
    expect(published(1001).map((e) => e.type)).toEqual(["bazaar.payment.succeeded"]);
  });

  it("shows payments to their owner and admins only", async () => {
    const { body: own } = await paymentOf(1001, alice.token);
    expect(own.status).toBe("succeeded");
    for (const path of [`/api/payments/${own.id}`, "/api/payments/order/1001"]) {
      expect((await call("GET", `${payment}${path}`, { token: alice.token })).status).toBe(200);
      expect((await call("GET", `${payment}${path}`, { token: admin })).status).toBe(200);
      // Another customer's payment answers as a missing one would: its existence is not confirmed.
      const other = await call("GET", `${payment}${path}`, { token: bob.token });
      expect(other.status).toBe(404);
      expect(other.headers.get("content-type")).toContain("application/problem+json");
      expect(other.body.detail).toMatch(/^payment .* not found$/);
      expect((await call("GET", `${payment}${path}`, { token: staff })).status).toBe(403);
    }
    const bobs = await call("GET", `${payment}/api/payments`, { token: bob.token });
    expect(bobs.body.payments.every((p: any) => p.customer_id === bob.id)).toBe(true);
    expect(bobs.body.payments.some((p: any) => p.order_id === 1001)).toBe(false);
    const all = await call("GET", `${payment}/api/payments`, { token: admin });
    expect(all.body.payments.some((p: any) => p.order_id === 1001)).toBe(true);
    expect((await call("GET", `${payment}/api/payments`)).status).toBe(401);
    expect((await call("GET", `${payment}/api/payments/424242`, { token: admin })).status).toBe(404);
  });

  it("declines per test token and above the amount limit, publishing payment.failed", async () => {
    await requestPayment(1002, bob.id, 1_000, "tok_chargeDeclined");
    await requestPayment(1003, bob.id, 100_001, "tok_visa");
    await requestPayment(1004, bob.id, 1_000, "tok_bogus");

    expect(await settled(1002, "failed")).toMatchObject({ failure_code: "card_declined" });
    expect(await settled(1003, "failed")).toMatchObject({ failure_code: "amount_limit_exceeded" });
    const invalid = await settled(1004, "failed");
    expect(invalid.failure_code).toBe("invalid_payment_method");
    expect(invalid.reason).toContain("tok_bogus");
    const failed = await publishedEventually(1002, "bazaar.payment.failed");
    expect(failed.data).toMatchObject({ order_id: 1002, customer_id: bob.id, code: "card_declined" });
  });

  it("approves tok_slow after the configured delay, pending meanwhile", async () => {
    await requestPayment(1005, alice.id, 2_000, "tok_slow");
    expect((await paymentOf(1005)).body.status).toBe("pending");
    await settled(1005, "succeeded");
    await publishedEventually(1005, "bazaar.payment.succeeded");
  });

  it("refunds a captured payment when its order is cancelled, once", async () => {
    const first = await cancelOrder(1001, alice.id);
    const again = await cancelOrder(1001, alice.id);
    expect([first.headers.get("x-bazaar-outcome"), again.headers.get("x-bazaar-outcome")]).toEqual([
      "applied",
      "stale",
    ]);

    const body = await settled(1001, "refunded");
    expect(body.refunds).toEqual([
      {
        id: expect.any(Number),
        amount: 49.99,
        reason: "cancelled by customer",
        created_at: expect.any(String),
      },
    ]);
    const refunded = await publishedEventually(1001, "bazaar.payment.refunded");
    expect(refunded.data).toEqual({
      order_id: 1001,
      customer_id: alice.id,
      payment_id: body.id,
      amount_cents: 4_999,
    });
  });

  it("voids an order cancelled before its payment was requested, so the late request charges nothing", async () => {
    expect((await cancelOrder(1006, alice.id)).status).toBe(202);
    const late = await requestPayment(1006, alice.id, 3_000);
    expect([late.status, late.headers.get("x-bazaar-outcome")]).toEqual([202, "stale"]);

    const { body } = await paymentOf(1006, alice.token);
    expect(body).toMatchObject({ status: "voided", amount: 0, method: null });
    const voided = await publishedEventually(1006, "bazaar.payment.voided");
    expect(voided.data).toEqual({ order_id: 1006, customer_id: alice.id, payment_id: body.id });
    await pause(800);
    expect(published(1006).map((e) => e.type)).toEqual(["bazaar.payment.voided"]);
  });

  it("voids a slow charge its order was cancelled during, and publishes that instead of its approval", async () => {
    await requestPayment(1007, alice.id, 2_000, "tok_slow");
    expect((await cancelOrder(1007, alice.id)).headers.get("x-bazaar-outcome")).toBe("applied");

    const body = await settled(1007, "voided");
    expect(body).toMatchObject({ amount: 20, method: "tok_slow" });
    const voided = await publishedEventually(1007, "bazaar.payment.voided");
    expect(voided.data).toEqual({ order_id: 1007, customer_id: alice.id, payment_id: body.id });
    await pause(800); // PAYMENT_SLOW_MS: the processor has answered by now, and its approval was discarded
    expect(published(1007).map((e) => e.type)).toEqual(["bazaar.payment.voided"]);
  });
});
