import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import * as orderApi from "@bazaar/shared/api/order";

export { outbox, processedEvents } from "@bazaar/shared/events";
export { closedAccounts, roleChanges } from "@bazaar/shared/auth";

export const orderStatuses = orderApi.orderStatuses;
export type OrderStatus = (typeof orderStatuses)[number];

export const orders = sqliteTable(
  "orders",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    customerId: integer("customer_id").notNull(),
    status: text("status", { enum: orderStatuses }).notNull(),
    paymentStatus: text("payment_status").notNull().default("pending"),
    shippingStatus: text("shipping_status").notNull().default("not_scheduled"),
    trackingNumber: text("tracking_number"),
    totalCents: integer("total_cents").notNull(),
    paymentMethod: text("payment_method").notNull(),
    shippingAddress: text("shipping_address"),
    /** Why an order was rejected or cancelled, in words a customer understands. */
    reason: text("reason"),
    idempotencyKey: text("idempotency_key"),
    /** Fingerprint of the request an Idempotency-Key was first used with. */
    requestFingerprint: text("request_fingerprint"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** Epoch ms when payment was requested: the sweep cancels orders that wait too long. */
    awaitingPaymentSince: integer("awaiting_payment_since"),
    placedAtMs: integer("placed_at_ms").notNull(),
  },
  (table) => [
    uniqueIndex("orders_idempotency").on(table.customerId, table.idempotencyKey),
    index("orders_customer").on(table.customerId),
    index("orders_status").on(table.status, table.awaitingPaymentSince),
  ],
);

export const orderItems = sqliteTable(
  "order_items",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    orderId: integer("order_id").notNull(),
    productId: integer("product_id").notNull(),
    productName: text("product_name").notNull(),
    quantity: integer("quantity").notNull(),
    unitPriceCents: integer("unit_price_cents").notNull(),
  },
  (table) => [index("order_items_order").on(table.orderId)],
);

/** What happened to an order, in order: the saga's steps as a customer or operator reads them. */
export const orderTimeline = sqliteTable(
  "order_timeline",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    orderId: integer("order_id").notNull(),
    at: text("at").notNull(),
    event: text("event").notNull(),
    status: text("status").notNull(),
    detail: text("detail").notNull(),
  },
  (table) => [index("order_timeline_order").on(table.orderId)],
);
