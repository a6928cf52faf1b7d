import type { Hono } from "hono";
import { authenticate, currentTokensOnly } from "@bazaar/shared/auth";
import { createEventReceiver } from "@bazaar/shared/events";
import { createHttpApp, type AppEnv } from "@bazaar/shared/http";
import type { InventoryDeps } from "./deps";
import { inventoryEventHandlers } from "./events";
import { productRoutes } from "./routes/products";

/** The inventory function: the catalog, its stock, and reservations for the order saga. */
export function createApp(deps: InventoryDeps): Hono<AppEnv> {
  const app = createHttpApp(deps.http);

  // A deleted staff or admin account's token is refused at once, not when it expires.
  app.use("/api/*", authenticate(deps.verify, currentTokensOnly(deps.database)));
  app.route("/api/products", productRoutes(deps));
  app.route(
    "/events",
    createEventReceiver({
      outbox: deps.outbox,
      handlers: inventoryEventHandlers(),
      metrics: deps.http.metrics,
      keys: deps.eventKeys,
    }),
  );
  return app;
}
