import { Hono } from "hono";
import * as customerApi from "@bazaar/shared/api/customer";
import { assertOwnerOr, principalOf, requireRole } from "@bazaar/shared/auth";
import { Forbidden } from "@bazaar/shared/errors";
import { validate, type AppEnv, traceOf } from "@bazaar/shared/http";
import type { CustomerDeps } from "../deps";
import { deleteCustomer, findCustomer, listCustomers, updateCustomer } from "../domain/accounts";
import { customerView } from "../domain/customers";

const { idParam, listQuery, updateBody } = customerApi;

/** RBAC as the original: admin any customer; staff read; a customer only their own record. */
export function customerRoutes(deps: CustomerDeps): Hono<AppEnv> {
  const { database, outbox, settings } = deps;
  const accounts = { outbox, scryptCost: settings.scryptCost };

  return new Hono<AppEnv>()
    .get("/", requireRole("admin", "staff"), validate("query", listQuery), async (c) => {
      const { limit, page } = c.req.valid("query");
      const { customers, total } = await listCustomers(database.db, { limit, page });
      return c.json({ customers: customers.map(customerView), page, limit, total });
    })
    .get("/:id", requireRole("admin", "staff", "customer"), validate("param", idParam), async (c) => {
      const { id } = c.req.valid("param");
      assertOwnerOr(principalOf(c), id, "admin", "staff");
      return c.json(customerView(await findCustomer(database.db, id)));
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
        // A missing account is a 404 before the slow password hash.
        await findCustomer(database.db, id);
        const updated = await updateCustomer(accounts, traceOf(c), id, body);
        return c.json({ message: "Customer updated successfully", ...customerView(updated) });
      },
    )
    .delete("/:id", requireRole("admin", "customer"), validate("param", idParam), async (c) => {
      const { id } = c.req.valid("param");
      assertOwnerOr(principalOf(c), id, "admin");
      await deleteCustomer(outbox, traceOf(c), id);
      return c.json({ message: "Customer deleted successfully", id });
    });
}
