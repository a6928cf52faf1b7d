import { and, asc, count, desc, eq, inArray } from "drizzle-orm";
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

/** A payment by its id or by its order's id. */
export async function findPayment(
  db: Db<PaymentSchema>,
  by: { id: number } | { orderId: number },
): Promise<Payment | undefined> {
  const where = "id" in by ? eq(payments.id, by.id) : eq(payments.orderId, by.orderId);
  const [found] = await db.select().from(payments).where(where);
  return found;
}

export interface PaymentListQuery {
  /** Only this customer's payments, if given. */
  customerId: number | undefined;
  status: Payment["status"] | undefined;
  limit: number;
  page: number;
}

/** One page of payments, newest first, with their refunds, and how many payments match in all. */
export async function listPayments(db: Db<PaymentSchema>, query: PaymentListQuery) {
  const where = and(
    query.customerId === undefined ? undefined : eq(payments.customerId, query.customerId),
    query.status ? eq(payments.status, query.status) : undefined,
  );
  const rows = await db
    .select()
    .from(payments)
    .where(where)
    .orderBy(desc(payments.id))
    .limit(query.limit)
    .offset((query.page - 1) * query.limit);
  const [total] = await db.select({ n: count() }).from(payments).where(where);
  return { payments: await paymentViews(db, rows), total: total?.n ?? 0 };
}
