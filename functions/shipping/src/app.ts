import type { Hono } from "hono";
import { authenticate, currentTokensOnly } from "@bazaar/shared/auth";
import { createEventReceiver } from "@bazaar/shared/events";
import { createHttpApp, type AppEnv } from "@bazaar/shared/http";
import type { ShippingDeps } from "./deps";
import { shippingEventHandlers } from "./events";
import { shipmentRoutes } from "./routes/shipments";

/** The shipping function: schedules shipments for confirmed orders and tracks them to the door. */
export function createApp(deps: ShippingDeps): Hono<AppEnv> {
  const app = createHttpApp(deps.http);

  app.route(
    "/events",
    createEventReceiver({
      outbox: deps.outbox,
      handlers: shippingEventHandlers(deps.scheduling),
      metrics: deps.http.metrics,
      keys: deps.eventKeys,
    }),
  );
  app.use("/api/*", authenticate(deps.verify, currentTokensOnly(deps.database)));
  app.route("/api/shipments", shipmentRoutes(deps));
  return app;
}
