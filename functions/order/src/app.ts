import { eq } from "drizzle-orm";
import type { Hono, MiddlewareHandler } from "hono";
import { Unauthorized } from "@bazaar/shared/errors";
import { authenticate } from "@bazaar/shared/auth";
import { createEventReceiver } from "@bazaar/shared/events";
import { createHttpApp, type AppEnv, traceOf } from "@bazaar/shared/http";
import { closedAccounts } from "./db/schema";
import type { OrderDeps } from "./deps";
import { orderEventHandlers } from "./events/handlers";
import { createOrderMetrics, type OrderMetrics } from "./domain/metrics";
import { sweepStuckPayments } from "./domain/sweep";
import { orderRoutes } from "./routes/orders";

/** The order function: places orders, runs the saga that settles them, and answers where each one stands. */
export function createApp(
  deps: OrderDeps,
  metrics: OrderMetrics = createOrderMetrics(deps.http.metrics.registry),
): Hono<AppEnv> {
  const app = createHttpApp(deps.http);
  app.use("/api/*", authenticate(deps.verify), openAccountsOnly(deps));
  app.route("/api/orders", orderRoutes(deps, metrics));
  app.route(
    "/events",
    createEventReceiver({
      outbox: deps.outbox,
      handlers: orderEventHandlers(metrics),
      metrics: deps.http.metrics,
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

/**
 * An access token outlives the account it was issued for by up to its lifetime; bazaar.customer.deleted tells
 * this function at once, so a deleted customer cannot place or read orders with a token still in hand.
 */
function openAccountsOnly(deps: OrderDeps): MiddlewareHandler<AppEnv> {
  return async function openAccountsOnly(c, next) {
    const principal = c.get("principal");
    if (principal) {
      const [closed] = await deps.database.db
        .select({ id: closedAccounts.customerId })
        .from(closedAccounts)
        .where(eq(closedAccounts.customerId, principal.id));
      if (closed) throw new Unauthorized("this account no longer exists");
    }
    await next();
  };
}
