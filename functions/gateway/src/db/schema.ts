import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The gateway keeps no data of its own; this table holds only its rate-limit counters when they are shared
 * through a libSQL file (`npm start`), in the shape rate-limiter-flexible's Drizzle store asks for: one row
 * per (rate class, client) with the points spent and when its window ends.
 */
export const rateLimits = sqliteTable("rate_limits", {
  key: text("key").primaryKey(),
  points: integer("points").notNull().default(0),
  expire: integer("expire", { mode: "timestamp_ms" }),
});
