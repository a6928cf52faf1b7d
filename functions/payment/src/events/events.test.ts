import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventData } from "@bazaar/shared/events";
import { createTestKit, withApp } from "@bazaar/shared/testing";
import { createApp } from "../app";
import { migrationsFolder, schema } from "../db";
import { payments, refunds } from "../db/schema";
import { createTestPayment, type TestPayment } from "../testing";

let t: TestPayment;
beforeEach(async () => (t = await createTestPayment({ limitCents: 500_000 })));
afterEach(() => t.close());

const requested = (
  order_id: number,
  payment_method = "tok_visa",
  amount_cents = 12_345,
): EventData<"bazaar.payment.requested"> => ({ order_id, customer_id: 7, amount_cents, payment_method });
const cancelled = (
  order_id: number,
  reason = "cancelled by customer",
): EventData<"bazaar.order.cancelled"> => ({
  order_id,
  customer_id: 7,
  reason,
  previous_status: "awaiting_payment",
});

const paymentOf = async (orderId: number) =>
  (await t.database.db.select().from(payments).where(eq(payments.orderId, orderId)))[0];
const outcomeOf = (response: Response) => response.headers.get("x-bazaar-outcome");

describe("bazaar.payment.requested", () => {
  it("charges the order and emits payment.succeeded", async () => {
    const response = await t.deliver("bazaar.payment.requested", requested(1));
    expect(response.status).toBe(202);
    expect(outcomeOf(response)).toBe("applied");
    await t.settler.settle();

    expect(await paymentOf(1)).toMatchObject({
      status: "succeeded",
      amountCents: 12_345,
      currency: "USD",
      method: "tok_visa",
      customerId: 7,
      failureCode: null,
    });
    const payment = await paymentOf(1);
    expect(await t.emitted()).toEqual([
      {
        type: "bazaar.payment.succeeded",
        subject: "1",
        data: { order_id: 1, customer_id: 7, payment_id: payment!.id, amount_cents: 12_345 },
      },
    ]);
  });

  it("charges once per order: a redelivery is a duplicate, a second request is stale", async () => {
    const id = "same-delivery";
    await t.deliver("bazaar.payment.requested", requested(2), { id });
    const redelivered = await t.deliver("bazaar.payment.requested", requested(2), { id });
    const again = await t.deliver("bazaar.payment.requested", requested(2, "tok_mastercard"));
    await t.settler.settle();

    expect([redelivered.status, outcomeOf(redelivered)]).toEqual([202, "duplicate"]);
    expect([again.status, outcomeOf(again)]).toEqual([202, "stale"]);
    expect(await t.database.db.select().from(payments)).toHaveLength(1);
    expect(await paymentOf(2)).toMatchObject({ method: "tok_visa", amountCents: 12_345 });
    expect((await t.emitted()).map((e) => e.type)).toEqual(["bazaar.payment.succeeded"]);
  });

  it("refuses a second request for another amount (5xx: dead-lettered for an operator) and charges nothing", async () => {
    await t.deliver("bazaar.payment.requested", requested(6, "tok_visa", 1));
    const forged = await t.deliver("bazaar.payment.requested", requested(6, "tok_visa", 35_000));
    await t.settler.settle();

    expect(forged.status).toBe(500);
    expect(((await forged.json()) as { detail: string }).detail).toBe(
      "event handling failed: bazaar.payment.requested for order 6 asks $350.00, but $0.01 was requested before",
    );
    expect(await t.database.db.select().from(payments)).toHaveLength(1);
    expect(await paymentOf(6)).toMatchObject({ status: "succeeded", amountCents: 1 });
    expect((await t.emitted()).map((e) => e.type)).toEqual(["bazaar.payment.succeeded"]);
  });

  it.each([
    ["tok_chargeDeclined", 1_000, "card_declined"],
    ["tok_insufficientFunds", 1_000, "insufficient_funds"],
    ["tok_unknown", 1_000, "invalid_payment_method"],
    ["tok_visa", 500_001, "amount_limit_exceeded"],
  ])("records %s for %i cents as failed with %s and emits payment.failed", async (method, cents, code) => {
    await t.deliver("bazaar.payment.requested", requested(3, method, cents));
    await t.settler.settle();

    const payment = await paymentOf(3);
    expect(payment).toMatchObject({ status: "failed", failureCode: code });
    expect(payment!.reason).toMatch(/^The .+\.$/);
    expect(await t.emitted()).toEqual([
      {
        type: "bazaar.payment.failed",
        subject: "3",
        data: { order_id: 3, customer_id: 7, code, reason: payment!.reason },
      },
    ]);
  });

  it("charges payments left pending by a crash when the settler runs", async () => {
    const now = new Date().toISOString();
    await t.database.write((tx) =>
      tx.insert(payments).values({
        orderId: 4,
        customerId: 7,
        amountCents: 500,
        method: "tok_visa",
        status: "pending",
        createdAt: now,
        updatedAt: now,
      }),
    );
    expect(await t.settler.settle()).toBe(1);
    expect(await paymentOf(4)).toMatchObject({ status: "succeeded" });
    expect(await t.settler.settle()).toBe(0);
  });

  it("charges them when a PingSource calls POST /tasks/settle (a scaled-to-zero pod has no timer)", async () => {
    const now = new Date().toISOString();
    await t.database.write((tx) =>
      tx.insert(payments).values({
        orderId: 5,
        customerId: 7,
        amountCents: 700,
        method: "tok_visa",
        status: "pending",
        createdAt: now,
        updatedAt: now,
      }),
    );
    const response = await t.request("POST", "/tasks/settle");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ started: 1 });
    expect(await paymentOf(5)).toMatchObject({ status: "succeeded" });
  });
});

describe("bazaar.order.cancelled", () => {
  it("refunds a captured payment in full and emits payment.refunded once", async () => {
    await t.deliver("bazaar.payment.requested", requested(10));
    await t.settler.settle();
    const response = await t.deliver("bazaar.order.cancelled", cancelled(10));
    const again = await t.deliver("bazaar.order.cancelled", cancelled(10));

    expect(outcomeOf(response)).toBe("applied");
    expect(outcomeOf(again)).toBe("stale");
    const payment = await paymentOf(10);
    expect(payment).toMatchObject({ status: "refunded" });
    expect(await t.database.db.select().from(refunds)).toMatchObject([
      { paymentId: payment!.id, amountCents: 12_345, reason: "cancelled by customer" },
    ]);
    expect((await t.emitted()).at(-1)).toEqual({
      type: "bazaar.payment.refunded",
      subject: "10",
      data: { order_id: 10, customer_id: 7, payment_id: payment!.id, amount_cents: 12_345 },
    });
    expect((await t.emitted()).map((e) => e.type)).toEqual([
      "bazaar.payment.succeeded",
      "bazaar.payment.refunded",
    ]);
  });

  it("voids an order with no payment yet, so a late request charges nothing, and says so once", async () => {
    const cancel = await t.deliver("bazaar.order.cancelled", cancelled(11, "payment timed out"));
    const again = await t.deliver("bazaar.order.cancelled", cancelled(11, "payment timed out"));
    const late = await t.deliver("bazaar.payment.requested", requested(11));
    await t.settler.settle();

    expect([outcomeOf(cancel), outcomeOf(again), outcomeOf(late)]).toEqual(["applied", "stale", "stale"]);
    const payment = await paymentOf(11);
    expect(payment).toMatchObject({
      status: "voided",
      amountCents: 0,
      method: null,
      reason: "The order was cancelled before payment was requested (payment timed out).",
    });
    expect(await t.emitted()).toEqual([
      {
        type: "bazaar.payment.voided",
        subject: "11",
        data: { order_id: 11, customer_id: 7, payment_id: payment!.id },
      },
    ]);
  });

  it("voids a charge still under way: its approval is discarded, and payment.voided is emitted instead", async () => {
    await t.deliver("bazaar.payment.requested", requested(12, "tok_slow")); // the charge starts now
    const cancel = await t.deliver("bazaar.order.cancelled", cancelled(12));
    await t.settler.settle(); // waits for the charge under way

    expect(outcomeOf(cancel)).toBe("applied");
    const payment = await paymentOf(12);
    expect(payment).toMatchObject({ status: "voided", method: "tok_slow" });
    expect(await t.emitted()).toEqual([
      {
        type: "bazaar.payment.voided",
        subject: "12",
        data: { order_id: 12, customer_id: 7, payment_id: payment!.id },
      },
    ]);
  });

  it("has nothing to undo for a failed payment", async () => {
    await t.deliver("bazaar.payment.requested", requested(13, "tok_chargeDeclined"));
    await t.settler.settle();
    const cancel = await t.deliver("bazaar.order.cancelled", cancelled(13));

    expect(outcomeOf(cancel)).toBe("stale");
    expect(await paymentOf(13)).toMatchObject({ status: "failed" });
    expect((await t.emitted()).map((e) => e.type)).toEqual(["bazaar.payment.failed"]);
  });
});

describe("the charge starts after the commit", () => {
  it("kicks the settler once a payment.requested committed, never for a stale or duplicate one", async () => {
    const kit = await createTestKit({ service: "payment", schema, migrationsFolder });
    let kicks = 0;
    const settler = { ...t.settler, kick: () => void (kicks += 1) };
    const app = withApp(kit, createApp({ ...kit, settler }));
    try {
      await app.deliver("bazaar.payment.requested", requested(20), { id: "first" });
      expect(kicks).toBe(1);
      await app.deliver("bazaar.payment.requested", requested(20), { id: "first" }); // duplicate
      await app.deliver("bazaar.payment.requested", requested(20)); // stale: already requested
      expect(kicks).toBe(1);
      const refused = await app.deliver("bazaar.payment.requested", requested(20, "tok_visa", 1)); // rolled back
      expect(refused.status).toBe(500);
      expect(kicks).toBe(1);
    } finally {
      kit.close();
    }
  });
});
