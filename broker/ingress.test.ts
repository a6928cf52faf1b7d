import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functionNames, urlVariableOf } from "@bazaar/shared/config";
import { Unavailable } from "@bazaar/shared/errors";
import { PROBLEM_CONTENT_TYPE } from "@bazaar/shared/http";
import { createLogger, createMetrics } from "@bazaar/shared/observability";
import { createBroker, type Broker } from "./broker";
import { defaultTriggersDir } from "./config";
import { createEmbeddedTransport } from "./embedded";
import { createIngress } from "./ingress";
import { startRecorder, until, type Recorder } from "./testing";
import { loadTriggers } from "./triggers";

let everyone: Recorder;
let broker: Broker;
let app: ReturnType<typeof createIngress>;
let folder: string;

beforeAll(async () => {
  // One recorder stands in for every function; the real Trigger folder routes to it.
  everyone = await startRecorder();
  const urls = Object.fromEntries(functionNames.map((name) => [urlVariableOf(name), everyone.url]));
  const logger = createLogger("broker", "silent");
  const metrics = createMetrics("broker");
  folder = mkdtempSync(join(tmpdir(), "bazaar-broker-"));
  broker = await createBroker({
    triggers: loadTriggers(defaultTriggersDir, { urls }),
    logger,
    metrics,
    deliveryTimeoutMs: 2000,
    transport: createEmbeddedTransport({ url: `file:${join(folder, "broker.db")}` }),
  });
  app = createIngress({ http: { service: "broker", logger, metrics, bodyLimitBytes: 64 * 1024 }, broker });
});

afterAll(async () => {
  await broker.close(0);
  await everyone.close();
  rmSync(folder, { recursive: true, force: true });
});

const binary = (id: string, type: string) => ({
  method: "POST",
  headers: {
    "ce-specversion": "1.0",
    "ce-id": id,
    "ce-source": "/bazaar/test",
    "ce-type": type,
    "content-type": "application/json",
  },
  body: '{"customer_id":1}',
});

const metricsText = async () => (await app.request("/metrics")).text();

describe("the broker ingress", () => {
  it("accepts a binary CloudEvent with 202 and delivers it", async () => {
    const response = await app.request("/", binary("i-1", "bazaar.customer.deleted"));
    expect(response.status).toBe(202);
    // Six Triggers take customer.deleted (every function but customer and the gateway): one delivery each,
    // dead-letters' on /accounts/events (its /events is the dead-letter intake).
    await until(() => everyone.withId("i-1").length === 6, "the deliveries");
    const paths = everyone.withId("i-1").map((delivery) => delivery.path);
    expect(paths.sort()).toEqual(["/accounts/events", ...Array(5).fill("/events")]);
    for (const delivery of everyone.withId("i-1")) expect(delivery.body).toBe('{"customer_id":1}');
  });

  it("accepts a structured CloudEvent with 202 and delivers it in binary mode", async () => {
    const response = await app.request("/", {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json" },
      body: JSON.stringify({
        specversion: "1.0",
        id: "i-2",
        source: "/bazaar/test",
        type: "bazaar.customer.deleted",
        data: { customer_id: 2 },
      }),
    });
    expect(response.status).toBe(202);
    await until(() => everyone.withId("i-2").length === 6, "the deliveries");
    expect(everyone.withId("i-2")[0]?.headers).toMatchObject({
      "ce-type": "bazaar.customer.deleted",
      "content-type": "application/json",
    });
  });

  it("answers 400 with a problem for something that is not a CloudEvent", async () => {
    const response = await app.request("/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe(PROBLEM_CONTENT_TYPE);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/malformed CloudEvent/);
  });

  it("answers 404 on another path and 405 for another method", async () => {
    expect((await app.request("/events", binary("i-3", "bazaar.customer.deleted"))).status).toBe(404);
    const response = await app.request("/", { method: "GET" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });

  it("counts what it ingests, and an event no Trigger matches as unrouted", async () => {
    expect((await app.request("/", binary("i-4", "bazaar.nothing.happened"))).status).toBe(202);
    const text = await metricsText();
    expect(text).toMatch(
      /broker_events_ingested_total\{type="bazaar\.nothing\.happened",service="broker"\} 1/,
    );
    expect(text).toMatch(
      /broker_events_unrouted_total\{type="bazaar\.nothing\.happened",service="broker"\} 1/,
    );
    expect(text).toMatch(/broker_queue_depth\{trigger="inventory-order-placed",service="broker"\} 0/);
  });
});

describe("the broker ingress when its transport cannot take events", () => {
  it("answers 503 with Retry-After, so the publisher keeps the event and tries again", async () => {
    const logger = createLogger("broker", "silent");
    const metrics = createMetrics("broker");
    const down = await createBroker({
      triggers: [],
      logger,
      metrics,
      deliveryTimeoutMs: 2000,
      transport: () => ({
        ready: () => false,
        publish: async () => {
          throw new Unavailable("the broker is not connected to RabbitMQ; retry shortly", {
            retryAfterSeconds: 1,
          });
        },
        close: async () => 0,
      }),
    });
    const ingress = createIngress({
      http: {
        service: "broker",
        logger,
        metrics,
        bodyLimitBytes: 64 * 1024,
        isReady: async () => down.ready(),
      },
      broker: down,
    });
    const response = await ingress.request("/", binary("down-1", "bazaar.customer.deleted"));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(((await response.json()) as { detail: string }).detail).toMatch(/not connected to RabbitMQ/);
    expect((await ingress.request("/readyz")).status).toBe(503);
  });
});
