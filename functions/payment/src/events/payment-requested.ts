import { sql } from "drizzle-orm";
import { Invalid } from "@bazaar/shared/errors";
import type { EventHandler } from "@bazaar/shared/events";
import { formatUsd } from "@bazaar/shared/money";
import type { PaymentSchema } from "../db";
import { payments } from "../db/schema";
import type { Payment } from "../domain/payments";
import type { Settler } from "../domain/settlement";

/**
 * Records a pending payment, once per order; the settler is set off to charge it once this has committed. A second request
 * for the same order, or one for an order already cancelled (a voided row), is stale and charges nothing.
 * A second request for another amount is refused (Invalid: 5xx, dead-lettered for an operator): the order
 * function asks once, for its fixed total, so two amounts for one order mean one of them is untrue.
 * Every order runs it, so its statements are written with drizzle's sql template: the query builders spent
 * two to three times their CPU rebuilding them (2026-12-03).
 */
export const onPaymentRequested =
  (settler: Pick<Settler, "kick">): EventHandler<PaymentSchema, "bazaar.payment.requested"> =>
  async (event, { tx, log, traceparent, afterCommit }) => {
    const { order_id, customer_id, amount_cents, payment_method } = event.data;
    const [existing] = await tx.all<Pick<Payment, "status" | "method" | "amountCents">>(sql`
      select status, method, amount_cents as amountCents from ${payments} where order_id = ${order_id}`);
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
    // The trace is this handling's: the charge, later and outside this request, continues from it.
    await tx.run(sql`
      insert into ${payments} (order_id, customer_id, amount_cents, currency, method, status, correlation_id,
        traceparent, created_at, updated_at)
      values (${order_id}, ${customer_id}, ${amount_cents}, ${"USD"}, ${payment_method}, ${"pending"},
        ${event.correlationid ?? null}, ${traceparent ?? event.traceparent ?? null}, ${now}, ${now})`);
    afterCommit(settler.kick);
    return "applied";
  };
