import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// processed_events dedupes the account events; the outbox stays empty, but the shared relay reads every one.
export { outbox, processedEvents } from "@bazaar/shared/events";
export { closedAccounts, roleChanges } from "@bazaar/shared/auth";

/** Events the broker gave up on, stored raw: any type, any data, exactly as they came. */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    eventId: text("event_id").notNull(),
    eventSource: text("event_source").notNull(),
    eventType: text("event_type").notNull(),
    subject: text("subject"),
    /** The event's data as text (the binary-mode body as received). */
    data: text("data"),
    datacontenttype: text("datacontenttype"),
    /** JSON object of every other attribute (specversion, time, traceparent, correlationid, ...). */
    extensions: text("extensions").notNull(),
    /**
     * knativeerrordest: the subscriber that kept failing; "" when the broker did not say. Not null, because
     * SQLite treats NULLs as distinct in a unique index and such a dead letter must dedupe as well.
     */
    errorDest: text("error_dest").notNull().default(""),
    /** knativeerrorcode: its last HTTP status. */
    errorCode: integer("error_code"),
    /** knativeerrordata: its last answer, base64 as Knative sends it. */
    errorData: text("error_data"),
    receivedAt: text("received_at").notNull(),
    replayCount: integer("replay_count").notNull().default(0),
    lastReplayedAt: text("last_replayed_at"),
    /** HTTP status of the last replay; null when the target never answered (see last_replay_error). */
    lastReplayStatus: integer("last_replay_status"),
    lastReplayError: text("last_replay_error"),
  },
  (table) => [
    // The same dead letter delivered twice is one row.
    uniqueIndex("dead_letters_event_dest").on(table.eventSource, table.eventId, table.errorDest),
    index("dead_letters_type").on(table.eventType),
  ],
);
