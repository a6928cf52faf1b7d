import { Hono } from "hono";
import * as z from "zod";
import { detailOf } from "../../api";
import type { Customer, Page } from "../../api-types";
import type { WebEnv } from "../../context";
import { pageOf, readForm } from "../../forms";
import { redirectWith, render } from "../../render";
import { Csrf } from "../../views/layout";
import { Pager, Table, Time } from "../../views/parts";

const PER_PAGE = 50;
const roles = ["customer", "staff", "admin"] as const;
const roleForm = z.object({ role: z.enum(roles) });

/** Accounts and their roles: staff read, admins change roles (the API's rule). */
export function adminCustomerRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get("/customers", async (c) => {
      const page = pageOf(c);
      const session = c.get("session");
      const isAdmin = session.user?.role === "admin";
      const list = await c
        .get("api")
        .must<Page & { customers: Customer[] }>("GET", `/api/customers?limit=${PER_PAGE}&page=${page}`);
      return render(
        c,
        { title: "Customers and roles", area: "admin" },
        <>
          <Table caption={`${list.total} accounts`} head={["#", "Name", "Email", "Since", "Role", "Orders"]}>
            {list.customers.map((customer) => (
              <tr>
                <td>{customer.id}</td>
                <td>{customer.name}</td>
                <td>{customer.email}</td>
                <td>
                  <Time at={customer.created_at} />
                </td>
                <td>
                  {isAdmin && customer.id !== session.user?.id ? (
                    <form method="post" action={`/admin/customers/${customer.id}/role`} class="inline">
                      <Csrf token={session.csrf} />
                      <label class="visually-hidden" for={`role-${customer.id}`}>
                        Role of {customer.name}
                      </label>
                      <select id={`role-${customer.id}`} name="role">
                        {roles.map((role) => (
                          <option value={role} selected={role === customer.role}>
                            {role}
                          </option>
                        ))}
                      </select>
                      <button
                        type="submit"
                        class="secondary"
                        aria-label={`Change the role of ${customer.name}`}
                      >
                        Change
                      </button>
                    </form>
                  ) : (
                    customer.role
                  )}
                </td>
                <td>
                  <a href={`/admin/orders?customer_id=${customer.id}`}>Orders</a>
                </td>
              </tr>
            ))}
          </Table>
          <Pager
            page={page}
            limit={PER_PAGE}
            total={list.total}
            href={(to) => `/admin/customers?page=${to}`}
          />
        </>,
      );
    })
    .post("/customers/:id{[0-9]+}/role", async (c) => {
      const form = await readForm(c, roleForm);
      if (form.error !== undefined) return redirectWith(c, "/admin/customers", { error: form.error });
      const answer = await c
        .get("api")
        .send<Customer>("PUT", `/api/customers/${c.req.param("id")}`, { body: { role: form.data.role } });
      return redirectWith(
        c,
        "/admin/customers",
        answer.ok ? { ok: `${answer.body.name} is now ${answer.body.role}.` } : { error: detailOf(answer) },
      );
    });
}
