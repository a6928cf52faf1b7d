import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export { outbox, processedEvents } from "@bazaar/shared/events";

export const customers = sqliteTable("customers", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  /** Stored lower-cased: one account per address, whatever the capitalisation. */
  email: text("email").notNull().unique(),
  passwordHash: text("password_hash").notNull(),
  phone: text("phone"),
  address: text("address"),
  role: text("role", { enum: ["customer", "staff", "admin"] })
    .notNull()
    .default("customer"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/** Opaque refresh tokens, stored only as a SHA-256 digest; rotated on every use. */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    digest: text("digest").primaryKey(),
    customerId: integer("customer_id").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [index("refresh_tokens_customer").on(table.customerId)],
);

/** Failed logins per email, so brute force is slowed across restarts and replicas. */
export const loginFailures = sqliteTable(
  "login_failures",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    email: text("email").notNull(),
    at: integer("at").notNull(),
  },
  (table) => [index("login_failures_email_at").on(table.email, table.at)],
);
