import { sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Db, Tx } from "../db";
import type { BazaarEvent, HandlerContext, HandlerOutcome } from "../events";

/**
 * Accounts the customer function deleted. An access token outlives its account by up to its lifetime, and
 * functions verify tokens without asking the customer function; bazaar.customer.deleted fills this table so
 * each function that serves customers refuses such a token at once (currentTokensOnly). A function's
 * db/schema.ts re-exports it so drizzle-kit puts it in its migrations (as with the outbox).
 */
export const closedAccounts = sqliteTable("closed_accounts", {
  customerId: integer("customer_id").primaryKey(),
  closedAt: text("closed_at").notNull(),
});

type Reader<S extends Record<string, unknown>> = Db<S> | Tx<S>;

/**
 * Whether the customer's account is closed. The notification function asks it for every event it files, so
 * it is plain SQL: drizzle's select builder spent three times the CPU building the same statement each time.
 */
export async function isClosedAccount<S extends Record<string, unknown>>(
  db: Reader<S>,
  customerId: number,
): Promise<boolean> {
  const found = await db.get<{ closed: number }>(
    sql`select exists(select 1 from ${closedAccounts} where customer_id = ${customerId}) as closed`,
  );
  return found.closed === 1;
}

/** The handler of bazaar.customer.deleted. An account closed already is a repeat of the fact: stale. */
export async function closeAccount<S extends Record<string, unknown>>(
  event: BazaarEvent<"bazaar.customer.deleted">,
  { tx }: HandlerContext<S>,
): Promise<HandlerOutcome> {
  const closed = await tx
    .insert(closedAccounts)
    .values({ customerId: event.data.customer_id, closedAt: new Date().toISOString() })
    .onConflictDoNothing()
    .returning({ id: closedAccounts.customerId });
  return closed.length > 0 ? "applied" : "stale";
}
