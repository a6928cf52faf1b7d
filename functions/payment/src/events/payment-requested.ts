import { eq } from "drizzle-orm";
import { Invalid } from "@bazaar/shared/errors";
import type { EventHandler } from "@bazaar/shared/events";
import { formatUsd } from "@bazaar/shared/money";
import type { PaymentSchema } from "../db";
import { payments } from "../db/schema";
import type { Settler } from "../domain/settlement";

/**
 * Records a pending payment, once per order; the settler is set off to charge it once this has committed. A second request
 * for the same order, or one for an order already cancelled (a voided row), is stale and charges nothing.
 * A second request for another amount is refused (Invalid: 5xx, dead-lettered for an operator): the order
 * function asks once, for its fixed total, so two amounts for one order mean one of them is untrue.
 */
export const onPaymentRequested =
  (settler: Pick<Settler, "kick">): EventHandler<PaymentSchema, "bazaar.payment.requested"> =>
  async (event, { tx, log, traceparent, afterCommit }) => {
    const { order_id, customer_id, amount_cents, payment_method } = event.data;
    const [existing] = await tx
      .select({ status: payments.status, method: payments.method, amountCents: payments.amountCents })
      .from(payments)
      .where(eq(payments.orderId, order_id));
    // A row without a method is the tombstone of an order cancelled before its request: no amount to compare.
    if (existing && existing.method !== null && existing.amountCents !== amount_cents)
      throw new Invalid(
        `bazaar.payment.requested for order ${order_id} asks ${formatUsd(amount_cents)}, ` +
          `but ${formatUsd(existing.amountCents)} was requested before`,
      );
    if (existing) {
      log.info(
        { status: existing.status },
        existing.status === "voided"
          ? "the order was cancelled before its payment was requested; nothing is charged"
          : "this order's payment was already requested; it is not charged again",
      );
      return "stale";
    }
    const now = new Date().toISOString();
    await tx.insert(payments).values({
      orderId: order_id,
      customerId: customer_id,
      amountCents: amount_cents,
      currency: "USD",
      method: payment_method,
      status: "pending",
      correlationId: event.correlationid ?? null,
      // This handling's trace context: the charge, later and outside this request, continues from it.
      traceparent: traceparent ?? event.traceparent ?? null,
      createdAt: now,
      updatedAt: now,
    });
    afterCommit(settler.kick);
    return "applied";
  };
