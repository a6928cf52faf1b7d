import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Tables every function that publishes or consumes events has in its own database. A function's
 * db/schema.ts re-exports them so drizzle-kit puts them in its migrations.
 */
export const outbox = sqliteTable(
  "outbox",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    source: text("source").notNull(),
    subject: text("subject"),
    data: text("data").notNull(),
    time: text("time").notNull(),
    traceparent: text("traceparent"),
    correlationId: text("correlation_id"),
    createdAt: integer("created_at").notNull(),
    sentAt: integer("sent_at"),
    attempts: integer("attempts").notNull().default(0),
    /** Until when a relay (of one replica or another) is posting this row: nobody else takes it before. */
    claimedUntil: integer("claimed_until"),
  },
  (table) => [index("outbox_pending").on(table.sentAt, table.createdAt)],
);

export const processedEvents = sqliteTable(
  "processed_events",
  {
    source: text("source").notNull(),
    id: text("id").notNull(),
    type: text("type").notNull(),
    processedAt: integer("processed_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.source, table.id] })],
);
