import { Hono } from "hono";
import * as z from "zod";
import { detailOf, tokensOf } from "../api";
import type { Customer, TokenAnswer } from "../api-types";
import type { WebEnv } from "../context";
import { readForm } from "../forms";
import { redirectWith, render } from "../render";
import { Csrf } from "../views/layout";
import { Time } from "../views/parts";

/** Empty clears the field (the API takes null). */
const clearable = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .default("")
    .transform((value) => (value ? value : null));
const profileForm = z.object({
  name: z.string().trim().min(1, "is required").max(100),
  email: z.string().trim().min(1, "is required").max(254),
  phone: clearable(32),
  address: clearable(500),
});
const passwordForm = z.object({
  current_password: z.string().min(1, "is required").max(128),
  password: z.string().min(8, "needs at least 8 characters").max(128),
});

const HERE = "/shop/account";

/**
 * The signed-in person's own record, as PUT /api/customers/:id lets its owner change it: name, email, phone,
 * address and password (the role is an admin's to change). Staff accounts are changed by an admin only.
 */
export function profileRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get("/account", async (c) => {
      const session = c.get("session");
      const me = await c.get("api").must<Customer>("GET", `/api/customers/${session.user?.id}`);
      const editable = me.role !== "staff";
      return render(
        c,
        { title: "Your account", area: "shop" },
        <>
          <p>
            {me.email}, {me.role} since <Time at={me.created_at} />.
          </p>
          {!editable && <p>Staff accounts are changed by an administrator.</p>}
          {editable && (
            <>
              <form method="post" action={HERE} class="panel" aria-labelledby="details-heading" data-once>
                <h2 id="details-heading">Your details</h2>
                <Csrf token={session.csrf} />
                <div class="field">
                  <label for="name">Name</label>
                  <input id="name" name="name" autocomplete="name" required maxlength={100} value={me.name} />
                </div>
                <div class="field">
                  <label for="email">Email</label>
                  <input
                    id="email"
                    name="email"
                    type="email"
                    autocomplete="email"
                    required
                    value={me.email}
                  />
                </div>
                <div class="field">
                  <label for="phone">Phone (optional)</label>
                  <input
                    id="phone"
                    name="phone"
                    type="tel"
                    autocomplete="tel"
                    maxlength={32}
                    value={me.phone ?? ""}
                  />
                </div>
                <div class="field">
                  <label for="address">Shipping address (optional)</label>
                  <textarea
                    id="address"
                    name="address"
                    autocomplete="street-address"
                    maxlength={500}
                    rows={3}
                  >
                    {me.address ?? ""}
                  </textarea>
                </div>
                <button type="submit">Save details</button>
              </form>
              <form
                method="post"
                action={`${HERE}/password`}
                class="panel"
                aria-labelledby="password-heading"
                data-once
              >
                <h2 id="password-heading">Password</h2>
                <p>Changing it signs out every other device.</p>
                <Csrf token={session.csrf} />
                <div class="field">
                  <label for="current_password">Current password</label>
                  <input
                    id="current_password"
                    name="current_password"
                    type="password"
                    autocomplete="current-password"
                    required
                  />
                </div>
                <div class="field">
                  <label for="password">New password (8 characters or more)</label>
                  <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="new-password"
                    minlength={8}
                    required
                  />
                </div>
                <button type="submit">Change password</button>
              </form>
            </>
          )}
        </>,
      );
    })
    .post("/account", async (c) => {
      const form = await readForm(c, profileForm);
      if (form.error !== undefined) return redirectWith(c, HERE, { error: form.error });
      const session = c.get("session");
      const answer = await c
        .get("api")
        .send<Customer>("PUT", `/api/customers/${session.user?.id}`, { body: form.data });
      if (!answer.ok) return redirectWith(c, HERE, { error: detailOf(answer) });
      const { id, name, email, role } = answer.body;
      session.setUser({ id, name, email, role });
      return redirectWith(c, HERE, { ok: "Your details are saved." });
    })
    .post("/account/password", async (c) => {
      const form = await readForm(c, passwordForm);
      if (form.error !== undefined) return redirectWith(c, HERE, { error: form.error });
      const api = c.get("api");
      const session = c.get("session");
      const email = session.user?.email ?? "";
      // The current password first: a borrowed session cookie alone must not take the account over.
      const check = await api.send<TokenAnswer>("POST", "/auth/login", {
        body: { email, password: form.data.current_password },
        anonymous: true,
      });
      if (!check.ok)
        return redirectWith(c, HERE, {
          error: check.status === 401 ? "Your current password is not that." : detailOf(check),
        });
      const changed = await api.send("PUT", `/api/customers/${session.user?.id}`, {
        body: { password: form.data.password },
      });
      if (!changed.ok) return redirectWith(c, HERE, { error: detailOf(changed) });
      // The change ended every session of the account, this one's refresh token too: sign in afresh.
      const login = await api.send<TokenAnswer>("POST", "/auth/login", {
        body: { email, password: form.data.password },
        anonymous: true,
      });
      if (!login.ok) {
        session.signOut();
        return redirectWith(c, "/shop/signin", { error: "Password changed: please sign in with it." });
      }
      session.signIn(login.body.user, tokensOf(login.body));
      return redirectWith(c, HERE, { ok: "Password changed. Other devices are signed out." });
    });
}
