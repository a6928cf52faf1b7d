import type { Hono } from "hono";
import { authenticate, currentTokensOnly } from "@bazaar/shared/auth";
import { createEventReceiver } from "@bazaar/shared/events";
import { createHttpApp, type AppEnv } from "@bazaar/shared/http";
import { mountJobs } from "@bazaar/shared/jobs";
import type { PaymentDeps } from "./deps";
import { settleJob } from "./domain/settlement";
import { paymentEventHandlers } from "./events";
import { paymentRoutes } from "./routes/payments";

/** The payment function: charges orders through the simulated processor, refunds cancelled ones. */
export function createApp(deps: PaymentDeps): Hono<AppEnv> {
  const app = createHttpApp(deps.http);

  app.route(
    "/events",
    createEventReceiver({
      outbox: deps.outbox,
      handlers: paymentEventHandlers(deps.settler),
      metrics: deps.http.metrics,
      keys: deps.eventKeys,
    }),
  );
  app.use("/api/*", authenticate(deps.verify, currentTokensOnly(deps.database)));
  app.route("/api/payments", paymentRoutes(deps));
  mountJobs(app, [settleJob(deps.settler, deps.http)]);
  return app;
}
