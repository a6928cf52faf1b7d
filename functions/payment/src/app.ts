import type { Hono, MiddlewareHandler } from "hono";
import { authenticate, currentTokensOnly } from "@bazaar/shared/auth";
import { createEventReceiver } from "@bazaar/shared/events";
import { createHttpApp, type AppEnv } from "@bazaar/shared/http";
import type { PaymentDeps } from "./deps";
import type { Settler } from "./domain/settlement";
import { paymentEventHandlers } from "./events";
import { paymentRoutes } from "./routes/payments";

/** The payment function: charges orders through the simulated processor, refunds cancelled ones. */
export function createApp(deps: PaymentDeps): Hono<AppEnv> {
  const app = createHttpApp(deps.http);

  app.use("/events", settleAfterwards(deps.settler));
  app.route(
    "/events",
    createEventReceiver({
      outbox: deps.outbox,
      handlers: paymentEventHandlers,
      metrics: deps.http.metrics,
      keys: deps.eventKeys,
    }),
  );
  app.use("/api/*", authenticate(deps.verify, currentTokensOnly(deps.database.db)));
  app.route("/api/payments", paymentRoutes(deps));
  // Called by a PingSource in a cluster, where a scaled-to-zero pod has no timer to pick up pending charges.
  app.post("/tasks/settle", async (c) => c.json({ started: await deps.settler.settle() }));
  return app;
}

/** A payment.requested commits a pending payment; the charge starts once that commit is done. */
function settleAfterwards(settler: Settler): MiddlewareHandler<AppEnv> {
  return async function settleAfterwards(c, next) {
    await next();
    if (c.res.status === 202 && c.res.headers.get("x-bazaar-outcome") === "applied") settler.kick();
  };
}
