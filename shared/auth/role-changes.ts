import { sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { Invalid } from "../errors";
import type { BazaarEvent, HandlerContext, HandlerOutcome } from "../events";
import { ROLES, type Role } from "./roles";

/**
 * The latest role change of each account, from bazaar.customer.role_changed: an access token issued before
 * it still carries the old role, and functions verify tokens without asking the customer function, so
 * currentTokensOnly refuses such a token at once. Re-exported by each function's db/schema.ts next to
 * closed_accounts, so drizzle-kit migrates it.
 */
export const roleChanges = sqliteTable("role_changes", {
  customerId: integer("customer_id").primaryKey(),
  role: text("role", { enum: ROLES }).$type<Role>().notNull(),
  /** Milliseconds since the epoch: compared as numbers, as ISO strings of mixed precision would not be. */
  changedAt: integer("changed_at").notNull(),
});

/**
 * How far ahead of this replica's clock a producer's may run. NTP keeps hosts far closer; a change dated
 * later than this is not a clock's error but a lie that would refuse every token of the account until then.
 */
export const MAX_CLOCK_SKEW_MS = 2 * 60 * 1000;

/**
 * Refuses (Invalid: the receiver answers 5xx, nothing is applied, the broker dead-letters it for an operator)
 * a change dated beyond the skew: kept, it would lock the account out, and since only a newer change replaces
 * it, no real change could end that. Returns the change's time in milliseconds.
 */
export function changeTimeOf(
  { customer_id, changed_at }: { customer_id: number; changed_at: string },
  now: number = Date.now(),
): number {
  const changedAt = Date.parse(changed_at);
  if (changedAt > now + MAX_CLOCK_SKEW_MS)
    throw new Invalid(
      `role change of account ${customer_id} dated ${changed_at}, more than ` +
        `${MAX_CLOCK_SKEW_MS / 1000} s after this clock's ${new Date(now).toISOString()}`,
    );
  return changedAt;
}

/**
 * The handler of bazaar.customer.role_changed: keeps the latest change of each account. Events may arrive
 * out of order, so one no newer than the change already kept is stale; one dated in the future is refused.
 */
export async function recordRoleChange<S extends Record<string, unknown>>(
  event: BazaarEvent<"bazaar.customer.role_changed">,
  { tx }: HandlerContext<S>,
): Promise<HandlerOutcome> {
  const { customer_id, role } = event.data;
  const kept = await tx
    .insert(roleChanges)
    .values({ customerId: customer_id, role, changedAt: changeTimeOf(event.data) })
    .onConflictDoUpdate({
      target: roleChanges.customerId,
      set: { role: sql`excluded.role`, changedAt: sql`excluded.changed_at` },
      setWhere: sql`excluded.changed_at > ${roleChanges.changedAt}`,
    })
    .returning({ id: roleChanges.customerId });
  return kept.length > 0 ? "applied" : "stale";
}
