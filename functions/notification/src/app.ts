import type { Hono } from "hono";
import { authenticate, currentTokensOnly } from "@bazaar/shared/auth";
import { createEventReceiver } from "@bazaar/shared/events";
import { createHttpApp, type AppEnv } from "@bazaar/shared/http";
import type { NotificationDeps } from "./deps";
import { notificationEventHandlers } from "./events";
import { notificationRoutes } from "./routes/notifications";

/** The notification function: turns saga events into messages a customer reads and marks as read. */
export function createApp(deps: NotificationDeps): Hono<AppEnv> {
  const app = createHttpApp(deps.http);
  app.route(
    "/events",
    createEventReceiver({
      outbox: deps.outbox,
      handlers: notificationEventHandlers(),
      metrics: deps.http.metrics,
      keys: deps.eventKeys,
    }),
  );
  app.use("/api/*", authenticate(deps.verify, currentTokensOnly(deps.database)));
  app.route("/api/notifications", notificationRoutes(deps));
  return app;
}
