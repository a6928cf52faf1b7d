import { asc, count, eq } from "drizzle-orm";
import { Hono } from "hono";
import { customerApi } from "@bazaar/shared/api";
import { assertOwnerOr, principalOf, requireRole } from "@bazaar/shared/auth";
import { isUniqueViolation } from "@bazaar/shared/db";
import { Conflict, Forbidden, NotFound } from "@bazaar/shared/errors";
import { validate, type AppEnv, traceOf } from "@bazaar/shared/http";
import { customers } from "../db/schema";
import type { CustomerDeps } from "../deps";
import { customerView, normaliseEmail } from "../domain/customers";
import { hashPassword } from "../domain/passwords";
import { revokeAll } from "../domain/sessions";

const { idParam, listQuery, updateBody } = customerApi;

/** RBAC as the original: admin any customer; staff read; a customer only their own record. */
export function customerRoutes(deps: CustomerDeps): Hono<AppEnv> {
  const { database, outbox, settings } = deps;
  const find = async (id: number) => {
    const [row] = await database.db.select().from(customers).where(eq(customers.id, id));
    if (!row) throw new NotFound(`customer ${id} not found`);
    return row;
  };

  return new Hono<AppEnv>()
    .get("/", requireRole("admin", "staff"), validate("query", listQuery), async (c) => {
      const { limit, page } = c.req.valid("query");
      const rows = await database.db
        .select()
        .from(customers)
        .orderBy(asc(customers.id))
        .limit(limit)
        .offset((page - 1) * limit);
      const [total] = await database.db.select({ n: count() }).from(customers);
      return c.json({ customers: rows.map(customerView), page, limit, total: total?.n ?? 0 });
    })
    .get("/:id", requireRole("admin", "staff", "customer"), validate("param", idParam), async (c) => {
      const { id } = c.req.valid("param");
      assertOwnerOr(principalOf(c), id, "admin", "staff");
      return c.json(customerView(await find(id)));
    })
    .put(
      "/:id",
      requireRole("admin", "customer"),
      validate("param", idParam),
      validate("json", updateBody),
      async (c) => {
        const { id } = c.req.valid("param");
        const principal = principalOf(c);
        assertOwnerOr(principal, id, "admin");
        const body = c.req.valid("json");
        if (body.role !== undefined && principal.role !== "admin")
          throw new Forbidden("only an admin may change a role");
        await find(id);
        const changes = {
          ...(body.name !== undefined && { name: body.name }),
          ...(body.email !== undefined && { email: normaliseEmail(body.email) }),
          ...(body.phone !== undefined && { phone: body.phone }),
          ...(body.address !== undefined && { address: body.address }),
          ...(body.role !== undefined && { role: body.role }),
          ...(body.password !== undefined && {
            passwordHash: await hashPassword(body.password, settings.scryptCost),
          }),
          updatedAt: new Date().toISOString(),
        };
        try {
          const updated = await outbox.write(traceOf(c), async (tx, emit) => {
            const [before] = await tx
              .select({ role: customers.role })
              .from(customers)
              .where(eq(customers.id, id));
            const [row] = await tx.update(customers).set(changes).where(eq(customers.id, id)).returning();
            // A new password or role ends every session: refresh tokens carry the old authority.
            if (body.password !== undefined || body.role !== undefined) await revokeAll(tx, id);
            // Access tokens carry it too, and other functions verify them alone: they refuse older ones. The
            // time is taken inside the transaction, after the sessions are gone, not before the slow hash.
            if (row && before && row.role !== before.role) {
              const changed = {
                role: row.role,
                previous_role: before.role,
                changed_at: new Date().toISOString(),
              };
              emit("bazaar.customer.role_changed", { customer_id: id, ...changed }, id);
            }
            return row;
          });
          if (!updated) throw new NotFound(`customer ${id} not found`);
          return c.json({ message: "Customer updated successfully", ...customerView(updated) });
        } catch (error) {
          if (isUniqueViolation(error)) throw new Conflict("an account with this email already exists");
          throw error;
        }
      },
    )
    .delete("/:id", requireRole("admin", "customer"), validate("param", idParam), async (c) => {
      const { id } = c.req.valid("param");
      assertOwnerOr(principalOf(c), id, "admin");
      const trace = traceOf(c);
      const deleted = await outbox.write(trace, async (tx, emit) => {
        const rows = await tx.delete(customers).where(eq(customers.id, id)).returning({ id: customers.id });
        if (rows.length === 0) return false;
        await revokeAll(tx, id);
        emit("bazaar.customer.deleted", { customer_id: id }, id);
        return true;
      });
      if (!deleted) throw new NotFound(`customer ${id} not found`);
      return c.json({ message: "Customer deleted successfully", id });
    });
}
