import { and, asc, count, eq } from "drizzle-orm";
import type * as z from "zod";
import type * as customerApi from "@bazaar/shared/api/customer";
import { isUniqueViolation, type Db } from "@bazaar/shared/db";
import { Conflict, NotFound } from "@bazaar/shared/errors";
import type { Outbox, TraceContext } from "@bazaar/shared/events";
import type { CustomerSchema } from "../db";
import { customers } from "../db/schema";
import { normaliseEmail, type Customer } from "./customers";
import { anotherAdminRemains, refuseLastAdmin } from "./last-admin";
import { hashPassword } from "./passwords";
import { revokeAll } from "./sessions";

type RegisterBody = z.infer<typeof customerApi.registerBody>;
type UpdateBody = z.infer<typeof customerApi.updateBody>;

/** Where accounts are written (with their events) and how costly their password hashes are. */
export interface AccountStore {
  outbox: Outbox<CustomerSchema>;
  scryptCost: number;
}

/** One account per email address: the unique index decides, even between two replicas. */
async function uniqueEmail<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict("an account with this email already exists");
    throw error;
  }
}

export async function findCustomer(db: Db<CustomerSchema>, id: number): Promise<Customer> {
  const [row] = await db.select().from(customers).where(eq(customers.id, id));
  if (!row) throw new NotFound(`customer ${id} not found`);
  return row;
}

export async function findByEmail(db: Db<CustomerSchema>, email: string): Promise<Customer | undefined> {
  const [row] = await db.select().from(customers).where(eq(customers.email, email));
  return row;
}

/** One page of customers in id order, and how many there are. */
export async function listCustomers(db: Db<CustomerSchema>, page: { limit: number; page: number }) {
  const rows = await db
    .select()
    .from(customers)
    .orderBy(asc(customers.id))
    .limit(page.limit)
    .offset((page.page - 1) * page.limit);
  const [total] = await db.select({ n: count() }).from(customers);
  return { customers: rows, total: total?.n ?? 0 };
}

/** A new account, announced as customer.registered; an email already taken is a 409. */
export async function registerCustomer(
  store: AccountStore,
  trace: TraceContext,
  body: RegisterBody & { role: Customer["role"] },
): Promise<Customer> {
  const passwordHash = await hashPassword(body.password, store.scryptCost);
  const now = new Date().toISOString();
  return uniqueEmail(
    store.outbox.write(trace, async (tx, emit) => {
      const [row] = await tx
        .insert(customers)
        .values({
          name: body.name,
          email: normaliseEmail(body.email),
          passwordHash,
          phone: body.phone ?? null,
          address: body.address ?? null,
          role: body.role,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!row) throw new Error("insert returned nothing");
      emit(
        "bazaar.customer.registered",
        { customer_id: row.id, email: row.email, name: row.name, role: row.role },
        row.id,
      );
      return row;
    }),
  );
}

/**
 * Changes an account's fields. A new password or role ends every session, and a new role is announced as
 * customer.role_changed, on which other functions refuse the older access tokens. The last admin keeps its
 * role (409).
 */
export async function updateCustomer(
  store: AccountStore,
  trace: TraceContext,
  id: number,
  body: UpdateBody,
): Promise<Customer> {
  const changes = {
    ...(body.name !== undefined && { name: body.name }),
    ...(body.email !== undefined && { email: normaliseEmail(body.email) }),
    ...(body.phone !== undefined && { phone: body.phone }),
    ...(body.address !== undefined && { address: body.address }),
    ...(body.role !== undefined && { role: body.role }),
    ...(body.password !== undefined && {
      passwordHash: await hashPassword(body.password, store.scryptCost),
    }),
    updatedAt: new Date().toISOString(),
  };
  const demotes = body.role !== undefined && body.role !== "admin";
  return uniqueEmail(
    store.outbox.write(trace, async (tx, emit) => {
      const [before] = await tx.select({ role: customers.role }).from(customers).where(eq(customers.id, id));
      const [row] = await tx
        .update(customers)
        .set(changes)
        .where(and(eq(customers.id, id), demotes ? anotherAdminRemains(tx, id) : undefined))
        .returning();
      if (!row) return refuseLastAdmin(tx, id);
      // A new password or role ends every session: refresh tokens carry the old authority.
      if (body.password !== undefined || body.role !== undefined) await revokeAll(tx, id);
      // Access tokens carry it too, and other functions verify them alone: they refuse older ones. The
      // time is taken inside the transaction, after the sessions are gone, not before the slow hash.
      if (before && row.role !== before.role) {
        const changed = {
          role: row.role,
          previous_role: before.role,
          changed_at: new Date().toISOString(),
        };
        emit("bazaar.customer.role_changed", { customer_id: id, ...changed }, id);
      }
      return row;
    }),
  );
}

/** Deletes an account and its sessions, announced as customer.deleted; never the last admin (409). */
export async function deleteCustomer(outbox: Outbox<CustomerSchema>, trace: TraceContext, id: number) {
  await outbox.write(trace, async (tx, emit) => {
    const rows = await tx
      .delete(customers)
      .where(and(eq(customers.id, id), anotherAdminRemains(tx, id)))
      .returning({ id: customers.id });
    if (rows.length === 0) return refuseLastAdmin(tx, id);
    await revokeAll(tx, id);
    emit("bazaar.customer.deleted", { customer_id: id }, id);
  });
}
