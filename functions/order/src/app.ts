import type { Hono } from "hono";
import { authenticate, currentTokensOnly } from "@bazaar/shared/auth";
import { createEventReceiver } from "@bazaar/shared/events";
import { createHttpApp, type AppEnv } from "@bazaar/shared/http";
import { mountJobs } from "@bazaar/shared/jobs";
import type { OrderDeps } from "./deps";
import { createOrderMetrics, type OrderMetrics } from "./domain/metrics";
import { sweepJob } from "./domain/sweep";
import { orderEventHandlers } from "./events";
import { orderRoutes } from "./routes/orders";

/** The order function: places orders, runs the saga that settles them, and answers where each one stands. */
export function createApp(
  deps: OrderDeps,
  metrics: OrderMetrics = createOrderMetrics(deps.http.metrics.registry),
): Hono<AppEnv> {
  const app = createHttpApp(deps.http);
  app.use("/api/*", authenticate(deps.verify, currentTokensOnly(deps.database)));
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
  mountJobs(app, [orderSweep(deps, metrics)]);
  return app;
}

/** The payment-timeout sweep; server.ts runs the same job on its timer. */
export const orderSweep = (deps: OrderDeps, metrics: OrderMetrics) =>
  sweepJob(
    { ...deps, metrics, logger: deps.http.logger, jobMetrics: deps.http.metrics },
    deps.settings.paymentTimeoutSeconds,
  );
