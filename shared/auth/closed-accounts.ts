import { eq } from "drizzle-orm";
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

export async function isClosedAccount<S extends Record<string, unknown>>(
  db: Reader<S>,
  customerId: number,
): Promise<boolean> {
  const found = await db
    .select({ id: closedAccounts.customerId })
    .from(closedAccounts)
    .where(eq(closedAccounts.customerId, customerId))
    .limit(1);
  return found.length > 0;
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
