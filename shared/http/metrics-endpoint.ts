import { serve as listen } from "@hono/node-server";
import { Hono, type Handler } from "hono";
import type { Logger } from "pino";
import type { Metrics } from "../observability";
import { problem, problemAnswer } from "./problem";
import { listenHostname } from "./serve";

/** GET /metrics: the registry in Prometheus's text format. */
export const metricsHandler =
  (metrics: Metrics): Handler =>
  async (c) =>
    c.text(await metrics.registry.metrics(), 200, { "content-type": metrics.registry.contentType });

/** An app with /metrics alone, for a port of its own. */
export function createMetricsApp(metrics: Metrics): Hono {
  const app = new Hono();
  app.get("/metrics", metricsHandler(metrics));
  app.notFound((c) =>
    problemAnswer(
      c,
      problem(404, `no route for ${c.req.method} ${c.req.path}; this port serves GET /metrics`),
    ),
  );
  return app;
}

/**
 * Serves /metrics on its own port, for the gateway: its main port is the public entry, and what its metrics
 * tell (routes, rates, breaker states) is for Prometheus, which scrapes the pod directly on this port.
 */
export function serveMetrics(
  metrics: Metrics,
  options: { port: number; host: string; logger: Logger },
): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = listen(
      { fetch: createMetricsApp(metrics).fetch, port: options.port, hostname: listenHostname(options.host) },
      (info) => {
        options.logger.info({ host: info.address, port: info.port }, "metrics listening");
        // A scrape is over in moments, and Prometheus keeps its connection open between scrapes.
        const close = () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ("closeAllConnections" in server) server.closeAllConnections();
          });
        resolve({ port: info.port, close });
      },
    );
  });
}
