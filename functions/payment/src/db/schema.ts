import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as paymentApi from "@bazaar/shared/api/payment";

export { outbox, processedEvents } from "@bazaar/shared/events";
export { closedAccounts, roleChanges } from "@bazaar/shared/auth";

export const paymentStatuses = paymentApi.paymentStatuses;
export type PaymentStatus = (typeof paymentStatuses)[number];

/**
 * One row per order (order_id is unique): that is what makes charging idempotent. `pending` means the
 * charge is with the processor; `voided` with no method is the tombstone of an order cancelled before its
 * payment was requested, so a late request charges nothing.
 */
export const payments = sqliteTable(
  "payments",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    orderId: integer("order_id").notNull().unique(),
    customerId: integer("customer_id").notNull(),
    amountCents: integer("amount_cents").notNull(),
    currency: text("currency").notNull().default("USD"),
    method: text("method"),
    status: text("status", { enum: paymentStatuses }).notNull(),
    /** Until when a replica is charging this pending payment: no other replica charges it before. */
    chargingUntil: integer("charging_until"),
    failureCode: text("failure_code"),
    reason: text("reason"),
    /** The trace of the request that asked for the charge, carried onto the events the charge causes. */
    correlationId: text("correlation_id"),
    traceparent: text("traceparent"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [index("payments_customer").on(table.customerId), index("payments_status").on(table.status)],
);

export const refunds = sqliteTable(
  "refunds",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    paymentId: integer("payment_id")
      .notNull()
      .references(() => payments.id),
    amountCents: integer("amount_cents").notNull(),
    reason: text("reason").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (table) => [index("refunds_payment").on(table.paymentId)],
);
