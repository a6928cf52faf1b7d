import { blob, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/*
 * The embedded broker's queues on disk (embedded.ts): a row per event and Trigger from the commit that
 * precedes the ingress's 202 until the event is finished. The id is SQLite's rowid, which grows with every
 * insert: ordered by id, a Trigger's rows are its FIFO queue. No AUTOINCREMENT: rowids may be reused once the
 * table is empty, which keeps that order and saves a write per insert.
 */

/** Events waiting for (or in) delivery to one Trigger's subscriber. */
export const pendingDeliveries = sqliteTable("pending_deliveries", {
  id: integer("id").primaryKey(),
  trigger: text("trigger").notNull(),
  /** JSON object of the CloudEvent's attributes and extensions, all strings. */
  attributes: text("attributes").notNull(),
  data: blob("data", { mode: "buffer" }).notNull(),
});

/** Events whose delivery failed, with their knativeerror* extensions, until the dead-letter sink takes them. */
export const pendingDeadLetters = sqliteTable("pending_dead_letters", {
  id: integer("id").primaryKey(),
  trigger: text("trigger").notNull(),
  attributes: text("attributes").notNull(),
  data: blob("data", { mode: "buffer" }).notNull(),
});
