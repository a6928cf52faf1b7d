import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export { outbox, processedEvents } from "@bazaar/shared/events";
export { closedAccounts, roleChanges } from "@bazaar/shared/auth";

/** One readable message per customer per event; the receiver's (source, id) dedupe keeps it to one. */
export const notifications = sqliteTable(
  "notifications",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    customerId: integer("customer_id").notNull(),
    eventType: text("event_type").notNull(),
    orderId: integer("order_id"),
    title: text("title").notNull(),
    message: text("message").notNull(),
    readAt: text("read_at"),
    createdAt: text("created_at").notNull(),
  },
  (table) => [index("notifications_customer_created").on(table.customerId, table.createdAt)],
);
