import { asc, inArray } from "drizzle-orm";
import type { Db } from "@bazaar/shared/db";
import { toDecimal } from "@bazaar/shared/money";
import type { PaymentSchema } from "../db";
import { payments, refunds } from "../db/schema";

export type Payment = typeof payments.$inferSelect;
export type Refund = typeof refunds.$inferSelect;

/** What the API shows of a payment, with its refunds; never the stored trace. */
export const paymentView = (payment: Payment, paymentRefunds: Refund[]) => ({
  id: payment.id,
  order_id: payment.orderId,
  customer_id: payment.customerId,
  amount: toDecimal(payment.amountCents),
  currency: payment.currency,
  method: payment.method,
  status: payment.status,
  failure_code: payment.failureCode,
  reason: payment.reason,
  refunds: paymentRefunds.map((refund) => ({
    id: refund.id,
    amount: toDecimal(refund.amountCents),
    reason: refund.reason,
    created_at: refund.createdAt,
  })),
  created_at: payment.createdAt,
  updated_at: payment.updatedAt,
});

/** Views of several payments with their refunds, in one query for the refunds. */
export async function paymentViews(db: Db<PaymentSchema>, rows: Payment[]) {
  const ids = rows.map((row) => row.id);
  const found =
    ids.length === 0
      ? []
      : await db.select().from(refunds).where(inArray(refunds.paymentId, ids)).orderBy(asc(refunds.id));
  return rows.map((row) =>
    paymentView(
      row,
      found.filter((refund) => refund.paymentId === row.id),
    ),
  );
}
