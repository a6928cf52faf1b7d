import { and, eq, exists, ne, or, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Tx } from "@bazaar/shared/db";
import { Conflict, NotFound } from "@bazaar/shared/errors";
import type { CustomerSchema } from "../db";
import { customers } from "../db/schema";

const otherAdmin = alias(customers, "other_admin");

/**
 * The condition for demoting or deleting customer `id`: it is not an admin, or another admin remains. It
 * goes in the WHERE of the UPDATE or DELETE itself, not in a read before it, so that two replicas demoting
 * the last two admins at once cannot both pass: writes to one database run one after the other, and the
 * second statement finds no other admin. Without an admin nobody could ever grant the role again.
 */
export function anotherAdminRemains(tx: Tx<CustomerSchema>, id: number): SQL | undefined {
  const others = tx
    .select({ id: otherAdmin.id })
    .from(otherAdmin)
    .where(and(eq(otherAdmin.role, "admin"), ne(otherAdmin.id, id)));
  return or(ne(customers.role, "admin"), exists(others));
}

/** Why a statement guarded by anotherAdminRemains changed nothing: the account is the last admin, or gone. */
export async function refuseLastAdmin(tx: Tx<CustomerSchema>, id: number): Promise<never> {
  const [row] = await tx.select({ id: customers.id }).from(customers).where(eq(customers.id, id));
  if (row) throw new Conflict("the last admin cannot be demoted or deleted");
  throw new NotFound(`customer ${id} not found`);
}
