import type { BlockList } from "node:net";
import { Hono } from "hono";
import type { AppEnv } from "@bazaar/shared/http";
import { refreshOnce } from "./api";
import { assets } from "./assets";
import type { WebEnv, WebKit } from "./context";
import { csrfProtection, securityHeaders, sessionCookie, signedIn, staffOnly, webErrors } from "./middleware";
import { render } from "./render";
import { accountRoutes } from "./routes/account";
import { adminCustomerRoutes } from "./routes/admin/customers";
import { adminDeadLetterRoutes } from "./routes/admin/dead-letters";
import { adminOrderRoutes } from "./routes/admin/orders";
import { adminOverviewRoutes } from "./routes/admin/overview";
import { adminPaymentRoutes } from "./routes/admin/payments";
import { adminProductEditRoutes } from "./routes/admin/product";
import { adminProductRoutes } from "./routes/admin/products";
import { cartRoutes } from "./routes/cart";
import { catalogRoutes } from "./routes/catalog";
import { notificationRoutes } from "./routes/notifications";
import { orderRoutes } from "./routes/orders";
import { profileRoutes } from "./routes/profile";
import { createSealer } from "./session/seal";

export { webConfigSchema, type WebConfig } from "./config";
export { loadSessionKeys } from "./session/keys";

/** What server.ts hands the gateway for its pages. */
export interface WebDeps {
  /** AES-256 keys for the session cookie: the first seals, all open. */
  sessionKeys: Buffer[];
  sessionMaxAgeSeconds: number;
}

/**
 * The storefront (/shop) and the back office (/admin), rendered on the server with Hono's JSX. They sit in the
 * gateway, the one public function, so they run wherever it runs (npm start, compose, Knative) with nothing
 * else to deploy, and they call the public API through the gateway's own routing table: the same roles,
 * rate limits and breakers as any client, with the signed-in person's token from the session cookie.
 */
export function createWebApp(kit: WebKit): Hono<WebEnv> {
  const web = new Hono<WebEnv>();
  const refresh = refreshOnce();

  web.get("/", (c) => c.redirect("/shop", 302));
  web.get("/assets/:file", securityHeaders(), (c) => {
    const asset = Object.values(assets).find((candidate) => candidate.path === c.req.path);
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, {
      "content-type": asset.type,
      "cache-control": "public, max-age=31536000, immutable",
    });
  });

  for (const area of ["/shop/*", "/admin/*"]) {
    web.use(area, securityHeaders(), sessionCookie(kit, refresh), csrfProtection());
  }
  for (const personal of ["/shop/orders/*", "/shop/notifications/*", "/shop/track", "/shop/account/*"])
    web.use(personal, signedIn());
  web.use("/admin/*", staffOnly());

  web.route("/shop", catalogRoutes());
  web.route("/shop", accountRoutes());
  web.route("/shop", cartRoutes());
  web.route("/shop", orderRoutes());
  web.route("/shop", notificationRoutes());
  web.route("/shop", profileRoutes());
  web.route("/admin", adminOverviewRoutes());
  web.route("/admin", adminProductRoutes());
  web.route("/admin", adminProductEditRoutes());
  web.route("/admin", adminOrderRoutes());
  web.route("/admin", adminPaymentRoutes());
  web.route("/admin", adminDeadLetterRoutes());
  web.route("/admin", adminCustomerRoutes());

  // Last: a path under /shop or /admin that no page took.
  for (const area of ["/shop/*", "/admin/*"] as const) {
    web.all(area, (c) =>
      render(
        c,
        { title: "Not found", area: area === "/admin/*" ? "admin" : "shop", status: 404 },
        <p>
          There is no page at {c.req.path}. <a href="/shop">Go to the catalog</a>.
        </p>,
      ),
    );
  }
  web.onError(webErrors);
  return web;
}

/** Adds the pages to the gateway's app; their API calls go through that same app. */
export function mountWeb(app: Hono<AppEnv>, deps: WebDeps, trusted: BlockList | undefined): void {
  const kit: WebKit = {
    sealer: createSealer(deps.sessionKeys),
    sessionMaxAgeSeconds: deps.sessionMaxAgeSeconds,
    trusted,
    dispatch: (request, env) => app.fetch(request, env),
  };
  app.route("/", createWebApp(kit));
}
