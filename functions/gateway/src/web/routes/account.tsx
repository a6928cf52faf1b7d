import { Hono } from "hono";
import * as z from "zod";
import { detailOf, tokensOf } from "../api";
import type { TokenAnswer } from "../api-types";
import type { WebEnv } from "../context";
import { optionalText, readForm } from "../forms";
import { redirectWith, render, safeNext } from "../render";
import { Csrf } from "../views/layout";

const signInForm = z.object({
  email: z.string().trim().min(1, "is required").max(254),
  password: z.string().min(1, "is required").max(128),
  next: z.string().optional(),
});
const registerForm = z.object({
  name: z.string().trim().min(1, "is required").max(100),
  email: z.string().trim().min(1, "is required").max(254),
  password: z.string().min(8, "needs at least 8 characters").max(128),
  address: optionalText(500),
  next: z.string().optional(),
});

const SignInForm = (props: { csrf: string; next: string; email?: string }) => (
  <form method="post" action="/shop/signin" class="panel" data-once>
    <Csrf token={props.csrf} />
    <input type="hidden" name="next" value={props.next} />
    <div class="field">
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required value={props.email} />
    </div>
    <div class="field">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
    </div>
    <button type="submit">Sign in</button>
    <p>
      New here? <a href={`/shop/register?next=${encodeURIComponent(props.next)}`}>Create an account</a>.
    </p>
  </form>
);

/**
 * Signing in, registering and signing out. The tokens the API hands out go into the sealed session cookie and
 * nowhere else: the page never shows them to the browser.
 */
export function accountRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get("/signin", (c) =>
      render(
        c,
        { title: "Sign in", area: "shop" },
        <SignInForm csrf={c.get("session").csrf} next={safeNext(c.req.query("next"), "/shop")} />,
      ),
    )
    .post("/signin", async (c) => {
      const form = await readForm(c, signInForm);
      const back = `/shop/signin?next=${encodeURIComponent(safeNext(form.data?.next, "/shop"))}`;
      if (form.error !== undefined) return redirectWith(c, back, { error: form.error });
      const answer = await c.get("api").send<TokenAnswer>("POST", "/auth/login", {
        body: { email: form.data.email, password: form.data.password },
        anonymous: true,
      });
      if (!answer.ok) {
        const error = answer.status === 401 ? "Wrong email or password." : detailOf(answer);
        return redirectWith(c, back, { error });
      }
      c.get("session").signIn(answer.body.user, tokensOf(answer.body));
      return redirectWith(c, safeNext(form.data.next, "/shop"), { ok: `Welcome, ${answer.body.user.name}.` });
    })
    .get("/register", (c) =>
      render(
        c,
        { title: "Create an account", area: "shop" },
        <form method="post" action="/shop/register" class="panel" data-once>
          <Csrf token={c.get("session").csrf} />
          <input type="hidden" name="next" value={safeNext(c.req.query("next"), "/shop")} />
          <div class="field">
            <label for="name">Name</label>
            <input id="name" name="name" autocomplete="name" required maxlength={100} />
          </div>
          <div class="field">
            <label for="email">Email</label>
            <input id="email" name="email" type="email" autocomplete="email" required />
          </div>
          <div class="field">
            <label for="password">Password (8 characters or more)</label>
            <input
              id="password"
              name="password"
              type="password"
              autocomplete="new-password"
              minlength={8}
              required
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
            ></textarea>
          </div>
          <button type="submit">Create account</button>
        </form>,
      ),
    )
    .post("/register", async (c) => {
      const form = await readForm(c, registerForm);
      if (form.error !== undefined) return redirectWith(c, "/shop/register", { error: form.error });
      const api = c.get("api");
      const { name, email, password, address } = form.data;
      const registered = await api.send("POST", "/auth/register", {
        body: { name, email, password, ...(address && { address }) },
        anonymous: true,
      });
      if (!registered.ok) return redirectWith(c, "/shop/register", { error: detailOf(registered) });
      const login = await api.send<TokenAnswer>("POST", "/auth/login", {
        body: { email, password },
        anonymous: true,
      });
      if (!login.ok) return redirectWith(c, "/shop/signin", { error: detailOf(login) });
      c.get("session").signIn(login.body.user, tokensOf(login.body));
      return redirectWith(c, safeNext(form.data.next, "/shop"), { ok: `Welcome to Bazaar, ${name}.` });
    })
    .post("/signout", async (c) => {
      const session = c.get("session");
      const refresh = session.tokens?.refresh;
      // Revoked at the customer function, so the token is dead even if a copy of the cookie survives.
      if (refresh)
        await c
          .get("api")
          .send("POST", "/auth/logout", { body: { refresh_token: refresh }, anonymous: true });
      session.signOut();
      return redirectWith(c, "/shop", { ok: "You are signed out." });
    });
}
