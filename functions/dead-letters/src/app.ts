import type { Hono } from "hono";
import { authenticate, currentTokensOnly } from "@bazaar/shared/auth";
import { createEventReceiver } from "@bazaar/shared/events";
import { createHttpApp, type AppEnv } from "@bazaar/shared/http";
import type { DeadLettersDeps } from "./deps";
import { countUnreplayed } from "./domain/dead-letters";
import { registerDeadLetterMetrics } from "./domain/metrics";
import { deadLettersEventHandlers } from "./events";
import { deadLetterRoutes } from "./routes/dead-letters";
import { intakeRoutes } from "./routes/intake";

/** The dead-letters function: stores what the broker gave up on, so staff can look and replay. */
export function createApp(deps: DeadLettersDeps): Hono<AppEnv> {
  const app = createHttpApp(deps.http);
  const metrics = registerDeadLetterMetrics(deps.http.metrics.registry, () => countUnreplayed(deps.database));
  // A sink URI may be given with or without a path, so both answer.
  const intake = intakeRoutes(deps, metrics);
  app.route("/", intake);
  app.route("/events", intake);
  // Its /events is the intake, so the catalog event that closes accounts comes in on a path of its own.
  app.route(
    "/accounts/events",
    createEventReceiver({
      outbox: deps.outbox,
      handlers: deadLettersEventHandlers(),
      metrics: deps.http.metrics,
      keys: deps.eventKeys,
    }),
  );
  app.use("/api/*", authenticate(deps.verify, currentTokensOnly(deps.database)));
  app.route("/api/dead-letters", deadLetterRoutes(deps));
  return app;
}
