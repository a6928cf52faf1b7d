import type { Hono } from "hono";
import { readCloudEvent } from "@bazaar/shared/events";
import {
  createHttpApp,
  problem,
  problemAnswer,
  rawRequestOf,
  type AppEnv,
  type HttpDeps,
} from "@bazaar/shared/http";
import { inSpan } from "@bazaar/shared/observability";
import type { Broker } from "./broker";

/**
 * The broker ingress with the RabbitMQ broker's contract: POST / with a binary or structured CloudEvent →
 * 202 once stored; not a CloudEvent → 400 problem; another path → 404; another method on / → 405. The usual
 * /healthz, /readyz and /metrics come from the shared app factory.
 */
export function createIngress(deps: { http: HttpDeps; broker: Broker }): Hono<AppEnv> {
  const app = createHttpApp(deps.http);

  app.post("/", async (c) => {
    const { headers, body } = await rawRequestOf(c);
    const event = readCloudEvent(headers, body); // Invalid -> 400
    // With tracing on, the time to store it (RabbitMQ's confirm, or the embedded store's commit).
    const store = { name: `enqueue ${event.attributes["type"] ?? "event"}` };
    await inSpan(store, () => deps.broker.publish(event), { withinTrace: true });
    return c.body(null, 202);
  });

  app.all("/", (c) =>
    problemAnswer(c, problem(405, `${c.req.method} is not allowed here; POST a CloudEvent`), {
      allow: "POST",
    }),
  );

  return app;
}
