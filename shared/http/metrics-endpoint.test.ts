import { describe, expect, it } from "vitest";
import { createLogger, createMetrics } from "../observability";
import { createHttpApp } from "./app";
import { createMetricsApp, serveMetrics } from "./metrics-endpoint";

const httpDeps = (servesMetrics?: boolean) => ({
  service: "test",
  logger: createLogger("test", "silent"),
  metrics: createMetrics("test"),
  bodyLimitBytes: 1024,
  ...(servesMetrics !== undefined && { servesMetrics }),
});

describe("/metrics", () => {
  it("is served by every function's app unless it says otherwise", async () => {
    expect((await createHttpApp(httpDeps()).request("/metrics")).status).toBe(200);
    const publicApp = createHttpApp(httpDeps(false));
    const refused = await publicApp.request("/metrics");
    expect(refused.status).toBe(404);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect((await publicApp.request("/healthz")).status).toBe(200);
  });

  it("has an app of its own for a private port: the metrics, and nothing else", async () => {
    const deps = httpDeps(false);
    const app = createHttpApp(deps);
    await app.request("/healthz");
    const metricsApp = createMetricsApp(deps.metrics);
    const scraped = await metricsApp.request("/metrics");
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await scraped.text()).toContain('http_requests_total{method="GET",route="/healthz",status="200"');
    const elsewhere = await metricsApp.request("/healthz");
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({
      detail: "no route for GET /healthz; this port serves GET /metrics",
    });
  });

  it("listens on a port of its own and closes with keep-alive connections still open", async () => {
    const deps = httpDeps(false);
    const listener = await serveMetrics(deps.metrics, { port: 0, host: "127.0.0.1", logger: deps.logger });
    const scraped = await fetch(`http://127.0.0.1:${listener.port}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain("# TYPE http_requests_total counter");
    await listener.close();
    await expect(fetch(`http://127.0.0.1:${listener.port}/metrics`)).rejects.toThrow();
  });
});
