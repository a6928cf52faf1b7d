import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { WebEnv } from "./context";
import { Layout, type Area } from "./views/layout";

/** A whole page in the shop's or the back office's frame. Pages are per person: never stored by caches. */
export async function render(
  c: Context<WebEnv>,
  page: { title: string; area: Area; status?: ContentfulStatusCode },
  content: Child,
): Promise<Response> {
  const session = c.get("session");
  const chrome = {
    title: page.title,
    area: page.area,
    path: c.req.path,
    user: session.user,
    cartCount: session.cart.reduce((count, [, quantity]) => count + quantity, 0),
    csrf: session.csrf,
    flash: session.takeFlash(),
  };
  const html = await (<Layout chrome={chrome}>{content}</Layout>);
  c.header("cache-control", "no-store");
  return c.html(`<!DOCTYPE html>${html}`, page.status ?? 200);
}

/** After a form: a message for the next page, and a 303 so that reloading it does not post again. */
export function redirectWith(
  c: Context<WebEnv>,
  to: string,
  flash?: { ok?: string; error?: string },
): Response {
  const session = c.get("session");
  if (flash?.error) session.flash("error", flash.error);
  else if (flash?.ok) session.flash("ok", flash.ok);
  return c.redirect(to, 303);
}

/** Only a path of our own pages may be a place to go back to (no other site, no protocol-relative URL). */
export function safeNext(value: unknown, fallback: string): string {
  if (typeof value !== "string") return fallback;
  return /^\/(shop|admin)(?:[/?#]|$)/.test(value) && !/[\\]|\/\//.test(value) ? value : fallback;
}
