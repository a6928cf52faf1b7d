import type { Hono } from "hono";
import { authenticate, currentTokensOnly } from "@bazaar/shared/auth";
import { createEventReceiver } from "@bazaar/shared/events";
import { createHttpApp, type AppEnv, traceOf } from "@bazaar/shared/http";
import type { OrderDeps } from "./deps";
import { createOrderMetrics, type OrderMetrics } from "./domain/metrics";
import { orderEventHandlers } from "./events";
import { sweepStuckPayments } from "./domain/sweep";
import { orderRoutes } from "./routes/orders";

/** The order function: places orders, runs the saga that settles them, and answers where each one stands. */
export function createApp(
  deps: OrderDeps,
  metrics: OrderMetrics = createOrderMetrics(deps.http.metrics.registry),
): Hono<AppEnv> {
  const app = createHttpApp(deps.http);
  app.use("/api/*", authenticate(deps.verify, currentTokensOnly(deps.database.db)));
  app.route("/api/orders", orderRoutes(deps, metrics));
  app.route(
    "/events",
    createEventReceiver({
      outbox: deps.outbox,
      handlers: orderEventHandlers(metrics),
      metrics: deps.http.metrics,
      keys: deps.eventKeys,
    }),
  );
  // Called by a PingSource in a cluster (cluster-local only; the gateway does not route /tasks).
  app.post("/tasks/sweep", async (c) => {
    const trace = traceOf(c);
    const cancelled = await sweepStuckPayments(
      { ...deps, metrics },
      deps.settings.paymentTimeoutSeconds,
      trace,
    );
    return c.json({ cancelled });
  });
  return app;
}
