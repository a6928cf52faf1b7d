import { Hono } from "hono";
import type { FC } from "hono/jsx";
import * as z from "zod";
import { ROLES } from "@bazaar/shared/auth";
import { detailOf } from "../../api";
import type { Customer, Page } from "../../api-types";
import type { WebEnv } from "../../context";
import { pageOf, readForm } from "../../forms";
import { redirectWith, render } from "../../render";
import { Csrf } from "../../views/layout";
import { Pager, Table, Time } from "../../views/parts";

const PER_PAGE = 50;
const roleForm = z.object({ role: z.enum(ROLES) });
const accountForm = z.object({
  name: z.string().trim().min(1, "is required").max(100),
  email: z.string().trim().min(1, "is required").max(254),
  password: z.string().min(8, "needs at least 8 characters").max(128),
  role: z.enum(ROLES),
});

const NewAccountForm: FC<{ csrf: string }> = ({ csrf }) => (
  <form method="post" action="/admin/customers" class="panel" aria-labelledby="new-account" data-once>
    <h2 id="new-account">New account</h2>
    <Csrf token={csrf} />
    <div class="columns">
      <div class="field">
        <label for="new-name">Name</label>
        <input id="new-name" name="name" required maxlength={100} autocomplete="off" />
      </div>
      <div class="field">
        <label for="new-email">Email</label>
        <input id="new-email" name="email" type="email" required autocomplete="off" />
      </div>
      <div class="field">
        <label for="new-password">First password (8 characters or more)</label>
        <input
          id="new-password"
          name="password"
          type="password"
          minlength={8}
          required
          autocomplete="new-password"
        />
      </div>
      <div class="field">
        <label for="new-role">Role</label>
        <select id="new-role" name="role">
          {ROLES.map((role) => (
            <option value={role} selected={role === "staff"}>
              {role}
            </option>
          ))}
        </select>
      </div>
    </div>
    <button type="submit">Create account</button>
  </form>
);

/**
 * Accounts and their roles: staff read, admins change roles and open accounts with any role (registration
 * with an admin's token, the API's one way to make a staff member or an admin).
 */
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
                        {ROLES.map((role) => (
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
          {isAdmin && <NewAccountForm csrf={session.csrf} />}
        </>,
      );
    })
    .post("/customers", async (c) => {
      const form = await readForm(c, accountForm);
      if (form.error !== undefined) return redirectWith(c, "/admin/customers", { error: form.error });
      const answer = await c.get("api").send<Customer>("POST", "/auth/register", { body: form.data });
      return redirectWith(
        c,
        "/admin/customers",
        answer.ok
          ? { ok: `${answer.body.name} can now sign in as ${answer.body.role} with ${answer.body.email}.` }
          : { error: detailOf(answer) },
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
