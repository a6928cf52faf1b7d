import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Invalid } from "@bazaar/shared/errors";
import type { BazaarEvent } from "@bazaar/shared/events";
import { createTestKit, type TestKit } from "@bazaar/shared/testing";
import { migrationsFolder, schema, type PaymentSchema } from "../db";
import { payments } from "../db/schema";
import { onOrderCancelled } from "./order-cancelled";
import { onPaymentRequested } from "./payment-requested";

/** The handlers called as the receiver calls them, in one write, whatever the receiver checks before them. */
let kit: TestKit<PaymentSchema>;
beforeEach(async () => (kit = await createTestKit({ service: "payment", schema, migrationsFolder })));
afterEach(() => kit.close());

const attributes = { source: "/bazaar/order", subject: undefined, time: undefined, traceparent: undefined };
const context = () => ({ emit: () => undefined, log: kit.http.logger, afterCommit: () => undefined });
const requested = onPaymentRequested({ kick: () => undefined });

const request = (amount_cents: number) => {
  const event: BazaarEvent<"bazaar.payment.requested"> = {
    ...attributes,
    id: randomUUID(),
    type: "bazaar.payment.requested",
    data: { order_id: 1, customer_id: 7, amount_cents, payment_method: "tok_visa" },
    correlationid: undefined,
  };
  return kit.database.write((tx) => requested(event, { ...context(), tx }));
};
const cancel = () => {
  const event: BazaarEvent<"bazaar.order.cancelled"> = {
    ...attributes,
    id: randomUUID(),
    type: "bazaar.order.cancelled",
    data: { order_id: 1, customer_id: 7, reason: "payment timed out", previous_status: "pending" },
    correlationid: undefined,
  };
  return kit.database.write((tx) => onOrderCancelled(event, { ...context(), tx }));
};
const paymentsOfOrder = () => kit.database.db.select().from(payments).where(eq(payments.orderId, 1));

describe("onPaymentRequested", () => {
  it("takes a repeat of the amount requested as stale, and refuses another amount, keeping the first", async () => {
    expect(await request(1)).toBe("applied");
    expect(await request(1)).toBe("stale");
    await expect(request(35_000)).rejects.toThrow(
      new Invalid("bazaar.payment.requested for order 1 asks $350.00, but $0.01 was requested before"),
    );
    expect(await paymentsOfOrder()).toMatchObject([{ amountCents: 1, status: "pending" }]);
  });

  it("takes any amount after a cancellation's tombstone as stale: the tombstone records no request", async () => {
    expect(await cancel()).toBe("applied");
    expect(await request(35_000)).toBe("stale");
    expect(await paymentsOfOrder()).toMatchObject([{ amountCents: 0, status: "voided", method: null }]);
  });

  it("compares with a request the cancellation voided: it was for an amount", async () => {
    await request(35_000);
    expect(await cancel()).toBe("applied");
    await expect(request(1)).rejects.toThrow(Invalid);
    expect(await request(35_000)).toBe("stale");
  });
});
