/**
 * The embedded broker as a real process, routing by the real knative/triggers folder, with the real
 * dead-letters function as every Trigger's dead-letter sink. The subscribers are tiny recording servers, so
 * every request the broker makes can be inspected.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecorder, type Received, type Recorder, type Reply } from "../broker/testing";
import { loadSigningKey, signAccessToken } from "../shared/auth";
import { urlVariableOf } from "../shared/config";
import { publishToBroker } from "./support/events";
import { call, eventually } from "./support/http";
import { startSystem, type System } from "./support/system";

const SUBSCRIBERS = ["inventory", "order", "payment", "shipping", "notification"] as const;
type Subscriber = (typeof SUBSCRIBERS)[number];

/** How every stand-in subscriber answers, chosen by the event id's prefix. */
function answer(request: Received, nth: number): Reply | number {
  const id = request.headers["ce-id"] ?? "";
  if (id.startsWith("flaky-")) return nth === 1 ? 503 : 202;
  if (id.startsWith("slow-")) return { status: 202, delayMs: 300 };
  if (id.startsWith("doomed-")) return { status: 500, body: "cannot process this one" };
  if (id.startsWith("refused-")) return Number(id.split("-")[1]); // refused-422-x answers 422
  if (id.startsWith("reply-") && request.headers["ce-type"] === "bazaar.payment.requested") {
    return {
      status: 200,
      headers: {
        "ce-specversion": "1.0",
        "ce-id": `succeeded-${id}`,
        "ce-source": "/bazaar/payment",
        "ce-type": "bazaar.payment.succeeded",
        "ce-subject": "42",
        "content-type": "application/json",
      },
      body: '{"order_id":42}',
    };
  }
  return 202;
}

let system: System;
let broker: string;
let adminToken: string;
let keyDir: string;
let jwks: Recorder;
const subscribers = {} as Record<Subscriber, Recorder>;

beforeAll(async () => {
  for (const name of SUBSCRIBERS) subscribers[name] = await startRecorder(answer);
  // dead-letters' admin API wants a token: sign one and serve the key as the JWKS.
  keyDir = mkdtempSync(join(tmpdir(), "bazaar-broker-test-"));
  const key = await loadSigningKey({ dataDir: keyDir });
  jwks = await startRecorder(() => ({
    status: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ keys: [key.publicJwk] }),
  }));
  adminToken = await signAccessToken(
    key,
    { id: 1, role: "admin", email: "admin@test.local" },
    { issuer: "bazaar", audience: "bazaar", ttlSeconds: 600 },
  );
  system = await startSystem({
    services: ["broker", "dead-letters"],
    env: {
      broker: {
        ...Object.fromEntries(SUBSCRIBERS.map((name) => [urlVariableOf(name), subscribers[name].url])),
        BROKER_BACKOFF_DELAY_MS: "20", // 5 retries in about 1.2 s
      },
      "dead-letters": { JWKS_URL: `${jwks.url}/.well-known/jwks.json` },
    },
  });
  broker = system.url("broker");
});

afterAll(async () => {
  await system?.stop();
  await Promise.all([...Object.values(subscribers), jwks].map((r) => r?.close()));
  rmSync(keyDir, { recursive: true, force: true });
});

/** Publishes as the type's producer would: its source, signed with its key (the dead-letter sink checks). */
const publish = (id: string, type: string, extra: Record<string, string> = {}, body?: string) =>
  publishToBroker(system.eventKeys, broker, { id, type, extra, ...(body !== undefined && { body }) });

const receivedBy = (id: string): Subscriber[] =>
  SUBSCRIBERS.filter((s) => subscribers[s].withId(id).length > 0);

async function metric(pattern: RegExp): Promise<number> {
  const { body } = await call<string>("GET", `${broker}/metrics`);
  const match = pattern.exec(body);
  return match ? Number(match[1]) : 0;
}
const deliveries = (trigger: string, outcome: string) =>
  metric(new RegExp(`broker_deliveries_total\\{trigger="${trigger}",outcome="${outcome}"[^}]*\\} (\\d+)`));

async function deadLetter(eventId: string): Promise<any> {
  return eventually(
    async () => {
      const { status, body } = await call("GET", `${system.url("dead-letters")}/api/dead-letters?limit=100`, {
        token: adminToken,
      });
      expect(status).toBe(200);
      return body.dead_letters.find((d: any) => d.event_id === eventId);
    },
    10_000,
    `dead letter ${eventId}`,
  );
}

/** Lets in-flight deliveries land before asserting that something did NOT arrive. */
const settle = () => new Promise((r) => setTimeout(r, 300));

describe("routing", () => {
  it("delivers an event to the subscribers of its exact type, and only to them", async () => {
    expect((await publish("route-1", "bazaar.order.cancelled")).status).toBe(202);
    await eventually(
      async () => (receivedBy("route-1").length === 4 ? true : undefined),
      5000,
      "4 deliveries",
    );
    await settle();
    expect(receivedBy("route-1")).toEqual(["inventory", "payment", "shipping", "notification"]);
    for (const name of receivedBy("route-1")) {
      expect(subscribers[name].withId("route-1")).toHaveLength(1);
      expect(subscribers[name].withId("route-1")[0]?.path).toBe("/events");
    }

    expect((await publish("route-2", "bazaar.shipment.cancelled")).status).toBe(202);
    await eventually(async () => (receivedBy("route-2").length > 0 ? true : undefined), 5000);
    await settle();
    expect(receivedBy("route-2")).toEqual(["order"]);
  });

  it("matches exactly: a type that only starts like a known one reaches nobody and is counted as unrouted", async () => {
    for (const [id, type] of [
      ["near-1", "bazaar.order"],
      ["near-2", "bazaar.order.cancelled.v2"],
      ["near-3", "Bazaar.Order.Cancelled"],
    ] as const) {
      expect((await publish(id, type)).status).toBe(202);
    }
    await settle();
    expect([...receivedBy("near-1"), ...receivedBy("near-2"), ...receivedBy("near-3")]).toEqual([]);
    expect(
      await metric(/broker_events_unrouted_total\{type="bazaar\.order\.cancelled\.v2"[^}]*\} (\d+)/),
    ).toBe(1);
    const warned = system
      .service("broker")
      .logs.some(
        (line) => line.includes('"level":"warn"') && line.includes("near-2") && line.includes("no Trigger"),
      );
    expect(warned).toBe(true);
  });
});

describe("ingress", () => {
  it("passes a binary event through unchanged: unknown extensions, trace context, exact data", async () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const data = '{ "order_id": 42,   "odd spacing": true }';
    await publish(
      "pass-1",
      "bazaar.payment.requested",
      { "ce-tenant": "acme", "ce-traceparent": traceparent },
      data,
    );
    const [request] = await eventually(async () => {
      const got = subscribers.payment.withId("pass-1");
      return got.length > 0 ? got : undefined;
    });
    expect(request?.body).toBe(data);
    expect(request?.headers).toMatchObject({
      "ce-specversion": "1.0",
      "ce-source": "/bazaar/order",
      "ce-type": "bazaar.payment.requested",
      "ce-subject": "42",
      "ce-tenant": "acme",
      "ce-traceparent": traceparent,
      traceparent,
      "content-type": "application/json",
    });
  });

  it("accepts a structured event and delivers it in binary mode", async () => {
    const { status } = await call("POST", `${broker}/`, {
      headers: { "content-type": "application/cloudevents+json" },
      raw: JSON.stringify({
        specversion: "1.0",
        id: "structured-1",
        source: "/bazaar/test",
        type: "bazaar.customer.deleted",
        subject: "7",
        region: "eu",
        data: { customer_id: 7 },
      }),
    });
    expect(status).toBe(202);
    const [request] = await eventually(async () => {
      const got = subscribers.notification.withId("structured-1");
      return got.length > 0 ? got : undefined;
    });
    expect(request?.headers).toMatchObject({ "ce-type": "bazaar.customer.deleted", "ce-region": "eu" });
    expect(JSON.parse(request?.body ?? "")).toEqual({ customer_id: 7 });
  });

  it("answers 400 with a problem for a malformed event, 404 elsewhere and 405 for other methods", async () => {
    const notAnEvent = await call("POST", `${broker}/`, { body: { hello: "world" } });
    expect(notAnEvent.status).toBe(400);
    expect(notAnEvent.headers.get("content-type")).toBe("application/problem+json");
    expect(notAnEvent.body.status).toBe(400);
    const noSource = await call("POST", `${broker}/`, {
      raw: "{}",
      headers: { "ce-specversion": "1.0", "ce-id": "x", "ce-type": "bazaar.order.placed" },
    });
    expect(noSource.status).toBe(400);
    expect(noSource.body.detail).toMatch(/no source/);
    expect((await call("POST", `${broker}/events`, { body: {} })).status).toBe(404);
    expect((await call("PUT", `${broker}/`, { body: {} })).status).toBe(405);
  });
});

describe("delivery", () => {
  it("retries a 503 and then delivers, without dead-lettering", async () => {
    const retriedBefore = await deliveries("payment-payment-requested", "retried");
    await publish("flaky-1", "bazaar.payment.requested");
    await eventually(async () => (subscribers.payment.withId("flaky-1").length === 2 ? true : undefined));
    expect(await deliveries("payment-payment-requested", "retried")).toBe(retriedBefore + 1);
    await settle();
    expect(subscribers.payment.withId("flaky-1")).toHaveLength(2);
  });

  it("dead-letters after the last retry, naming the subscriber and its last status", async () => {
    await publish("doomed-1", "bazaar.payment.requested", { "ce-tenant": "acme" });
    const letter = await deadLetter("doomed-1");
    expect(subscribers.payment.withId("doomed-1")).toHaveLength(6); // 1 attempt + 5 retries
    expect(letter).toMatchObject({
      event_type: "bazaar.payment.requested",
      event_source: "/bazaar/order",
      subject: "42",
      data: '{"order_id":42}',
      error_dest: `${subscribers.payment.url}/events`,
      error_code: 500,
      error_detail: "cannot process this one",
    });
    expect(letter.extensions).toMatchObject({ tenant: "acme" });
    expect(await deliveries("payment-payment-requested", "dead_lettered")).toBeGreaterThanOrEqual(1);
  });

  it("counts a 400 or 422 answer as done, as the RabbitMQ broker does: one attempt, no dead letter", async () => {
    const deliveredBefore = await deliveries("payment-payment-requested", "delivered");
    await publish("refused-400-1", "bazaar.payment.requested");
    await publish("refused-422-1", "bazaar.payment.requested");
    await eventually(async () =>
      (await deliveries("payment-payment-requested", "delivered")) >= deliveredBefore + 2 ? true : undefined,
    );
    await settle();
    expect(subscribers.payment.withId("refused-400-1")).toHaveLength(1);
    expect(subscribers.payment.withId("refused-422-1")).toHaveLength(1);
    const { body } = await call("GET", `${system.url("dead-letters")}/api/dead-letters?limit=100`, {
      token: adminToken,
    });
    expect(body.dead_letters.map((d: any) => d.event_id)).not.toContain("refused-400-1");
    expect(body.dead_letters.map((d: any) => d.event_id)).not.toContain("refused-422-1");
  });

  it("publishes a subscriber's 200 reply back into the broker", async () => {
    await publish("reply-1", "bazaar.payment.requested");
    await eventually(async () => (receivedBy("succeeded-reply-1").length === 2 ? true : undefined), 5000);
    expect(receivedBy("succeeded-reply-1")).toEqual(["order", "notification"]);
    expect(subscribers.order.withId("succeeded-reply-1")[0]?.headers["ce-source"]).toBe("/bazaar/payment");
  });
});

describe("shutdown", () => {
  it("drains on SIGTERM: queued and in-flight deliveries finish before the process exits", async () => {
    const ids = ["slow-1", "slow-2", "slow-3", "slow-4", "slow-5", "slow-6"];
    // inventory-order-placed has 4 workers: two events wait in the queue behind four slow ones.
    for (const id of ids) expect((await publish(id, "bazaar.order.placed")).status).toBe(202);
    await system.service("broker").stop("SIGTERM");
    expect(ids.filter((id) => subscribers.inventory.withId(id).length === 0)).toEqual([]);
    expect(system.service("broker").logs.some((line) => line.includes("drained"))).toBe(true);
    await system.service("broker").start();
  });
});
