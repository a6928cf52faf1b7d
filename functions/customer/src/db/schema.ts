import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ROLES } from "@bazaar/shared/auth";

export { outbox, processedEvents } from "@bazaar/shared/events";

export const customers = sqliteTable("customers", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  /** Stored lower-cased: one account per address, whatever the capitalisation. */
  email: text("email").notNull().unique(),
  passwordHash: text("password_hash").notNull(),
  phone: text("phone"),
  address: text("address"),
  role: text("role", { enum: ROLES }).notNull().default("customer"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const REVOKE_REASONS = ["rotated", "logged-out", "all-sessions-ended"] as const;

/** Opaque refresh tokens, stored only as a SHA-256 digest; rotated on every use. */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    digest: text("digest").primaryKey(),
    customerId: integer("customer_id").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    /** Set when the token was traded for a new one (revoked_at is set then too, and by a logout). */
    rotatedAt: integer("rotated_at"),
    /**
     * Why revoked_at was set. Only a rotated token presented again is the theft signal that ends every
     * session; one signed out or ended with the account's others is just refused. Null on rows revoked
     * before this was kept, which cannot be told apart and so still count as rotated.
     */
    revokeReason: text("revoke_reason", { enum: REVOKE_REASONS }),
    /** The token it was traded for, sealed with this one (domain/successor.ts): only its holder can open it. */
    successor: text("successor"),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [index("refresh_tokens_customer").on(table.customerId)],
);

/**
 * Failed logins per email and client address, in the database so that every replica and restart counts
 * the same ones (domain/login-throttle.ts).
 */
export const loginFailures = sqliteTable(
  "login_failures",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    email: text("email").notNull(),
    /** The client's address as the gateway proved it; rows from before it was kept have "". */
    client: text("client").notNull().default(""),
    at: integer("at").notNull(),
  },
  (table) => [
    index("login_failures_email_at").on(table.email, table.at),
    index("login_failures_email_client_at").on(table.email, table.client, table.at),
  ],
);
