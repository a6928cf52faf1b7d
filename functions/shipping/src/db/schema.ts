import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as shippingApi from "@bazaar/shared/api/shipping";

export { outbox, processedEvents } from "@bazaar/shared/events";
export { closedAccounts, roleChanges } from "@bazaar/shared/auth";

export const shipmentStatuses = shippingApi.shipmentStatuses;
export type ShipmentStatus = (typeof shipmentStatuses)[number];

/** One shipment per order (order_id is unique), so a redelivered order.confirmed schedules nothing new. */
export const shipments = sqliteTable(
  "shipments",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    orderId: integer("order_id").notNull().unique(),
    customerId: integer("customer_id").notNull(),
    carrier: text("carrier").notNull(),
    trackingNumber: text("tracking_number").notNull().unique(),
    status: text("status", { enum: shipmentStatuses }).notNull(),
    shippingAddress: text("shipping_address"),
    /** ISO date (YYYY-MM-DD). */
    estimatedDelivery: text("estimated_delivery").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [index("shipments_customer").on(table.customerId)],
);

/**
 * Tombstones of orders cancelled before they were confirmed (events can arrive out of order): a late
 * order.confirmed for one of them schedules nothing.
 */
export const cancelledOrders = sqliteTable("cancelled_orders", {
  orderId: integer("order_id").primaryKey(),
  customerId: integer("customer_id").notNull(),
  reason: text("reason").notNull(),
  cancelledAt: text("cancelled_at").notNull(),
});
