import { sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { BazaarEvent, HandlerContext } from "../events";
import type { Role } from "../http/context";

/**
 * The latest role change of each account, from bazaar.customer.role_changed: an access token issued before
 * it still carries the old role, and functions verify tokens without asking the customer function, so
 * currentTokensOnly refuses such a token at once. Re-exported by each function's db/schema.ts next to
 * closed_accounts, so drizzle-kit migrates it.
 */
export const roleChanges = sqliteTable("role_changes", {
  customerId: integer("customer_id").primaryKey(),
  role: text("role", { enum: ["customer", "staff", "admin"] })
    .$type<Role>()
    .notNull(),
  /** Milliseconds since the epoch: compared as numbers, as ISO strings of mixed precision would not be. */
  changedAt: integer("changed_at").notNull(),
});

/**
 * The handler of bazaar.customer.role_changed: keeps the latest change of each account. Events may arrive
 * out of order, so one no newer than the change already kept is stale.
 */
export async function recordRoleChange<S extends Record<string, unknown>>(
  event: BazaarEvent<"bazaar.customer.role_changed">,
  { tx }: HandlerContext<S>,
): Promise<"stale" | undefined> {
  const { customer_id, role, changed_at } = event.data;
  const kept = await tx
    .insert(roleChanges)
    .values({ customerId: customer_id, role, changedAt: Date.parse(changed_at) })
    .onConflictDoUpdate({
      target: roleChanges.customerId,
      set: { role: sql`excluded.role`, changedAt: sql`excluded.changed_at` },
      setWhere: sql`excluded.changed_at > ${roleChanges.changedAt}`,
    })
    .returning({ id: roleChanges.customerId });
  return kept.length > 0 ? undefined : "stale";
}
