import { and, eq } from "drizzle-orm";
import type { EventHandler } from "@bazaar/shared/events";
import type { PaymentSchema } from "../db";
import { payments, refunds } from "../db/schema";

/**
 * Compensation: refunds a captured payment in full (payment.refunded); voids one still pending, so the
 * settler discards the charge's outcome, and with no payment yet records a voided row, so a late
 * payment.requested charges nothing (payment.voided either way: the order learns nothing was taken). A
 * failed, refunded or voided payment has nothing left to undo: stale.
 */
export const onOrderCancelled: EventHandler<PaymentSchema, "bazaar.order.cancelled"> = async (
  event,
  { tx, emit, log },
) => {
  const { order_id, customer_id, reason } = event.data;
  const now = new Date().toISOString();
  const [payment] = await tx.select().from(payments).where(eq(payments.orderId, order_id));
  const voided = (paymentId: number, customerId: number): void =>
    emit("bazaar.payment.voided", { order_id, customer_id: customerId, payment_id: paymentId }, order_id);

  if (!payment) {
    const [tombstone] = await tx
      .insert(payments)
      .values({
        orderId: order_id,
        customerId: customer_id,
        amountCents: 0,
        currency: "USD",
        method: null,
        status: "voided",
        reason: `The order was cancelled before payment was requested (${reason}).`,
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: payments.id });
    if (!tombstone) throw new Error("insert returned nothing");
    voided(tombstone.id, customer_id);
    return "applied";
  }

  switch (payment.status) {
    case "pending":
      await tx
        .update(payments)
        .set({
          status: "voided",
          reason: `The order was cancelled before the charge completed (${reason}).`,
          updatedAt: now,
        })
        .where(and(eq(payments.id, payment.id), eq(payments.status, "pending")));
      voided(payment.id, payment.customerId);
      return "applied";
    case "succeeded":
      await tx
        .insert(refunds)
        .values({ paymentId: payment.id, amountCents: payment.amountCents, reason, createdAt: now });
      await tx
        .update(payments)
        .set({
          status: "refunded",
          reason: `Refunded in full: the order was cancelled (${reason}).`,
          updatedAt: now,
        })
        .where(eq(payments.id, payment.id));
      emit(
        "bazaar.payment.refunded",
        {
          order_id: payment.orderId,
          customer_id: payment.customerId,
          payment_id: payment.id,
          amount_cents: payment.amountCents,
        },
        payment.orderId,
      );
      return "applied";
    default:
      log.info({ status: payment.status }, "the payment has nothing left to refund or void");
      return "stale";
  }
};
