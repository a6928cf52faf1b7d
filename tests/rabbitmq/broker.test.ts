/**
 * The broker as a real process in RabbitMQ mode (AMQP_URL), routing by the real knative/triggers folder (renamed
 * to a broker of this test's own), with the real dead-letters function as every Trigger's dead-letter sink.
 * Subscribers are recording servers, so every request the broker makes can be inspected.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecorder, type Received, type Recorder, type Reply } from "../../broker/testing";
import { loadSigningKey, signAccessToken } from "../../shared/auth";
import { urlVariableOf } from "../../shared/config";
import { publishToBroker } from "../support/events";
import { call, eventually } from "../support/http";
import {
  rabbitBroker,
  rabbitmqctl,
  readyIn,
  requireRabbitMQ,
  withChannel,
  type RabbitBroker,
} from "../support/rabbitmq";
import { startSystem, type System } from "../support/system";

const SUBSCRIBERS = ["inventory", "order", "payment", "shipping", "notification"] as const;
type Subscriber = (typeof SUBSCRIBERS)[number];

/** Event ids whose subscriber has recovered: a replay of their dead letter succeeds. */
const healed = new Set<string>();

/** How every stand-in subscriber answers, chosen by the event id's prefix. */
function answer(request: Received, nth: number): Reply | number {
  const id = request.headers["ce-id"] ?? "";
  if (id.startsWith("flaky-")) return nth === 1 ? 503 : 202;
  if (id.startsWith("slow-")) return { status: 202, delayMs: 800 };
  if (id.startsWith("busy-")) return { status: 202, delayMs: 1500 };
  if (id.startsWith("doomed-") && !healed.has(id)) return { status: 500, body: "cannot process this one" };
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

let rabbit: RabbitBroker;
let system: System;
let broker: string;
let adminToken: string;
let keyDir: string;
let jwks: Recorder;
const subscribers = {} as Record<Subscriber, Recorder>;

beforeAll(async () => {
  await requireRabbitMQ();
  rabbit = rabbitBroker("broker");
  for (const name of SUBSCRIBERS) subscribers[name] = await startRecorder(answer);
  // dead-letters' admin API wants a token: sign one and serve the key as the JWKS.
  keyDir = mkdtempSync(join(tmpdir(), "bazaar-rabbitmq-test-"));
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
  // The broker delivers to the recorders, and dead-letters replays only to those same origins.
  const subscriberUrls = Object.fromEntries(
    SUBSCRIBERS.map((name) => [urlVariableOf(name), subscribers[name].url]),
  );
  system = await startSystem({
    services: ["broker", "dead-letters"],
    env: {
      broker: {
        ...rabbit.env,
        ...subscriberUrls,
        BROKER_BACKOFF_DELAY_MS: "20", // 5 retries in about 1.2 s
      },
      "dead-letters": { JWKS_URL: `${jwks.url}/.well-known/jwks.json`, ...subscriberUrls },
    },
  });
  broker = system.url("broker");
});

afterAll(async () => {
  await system?.stop();
  await Promise.all([...Object.values(subscribers), jwks].map((r) => r?.close()));
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  await rabbit?.remove();
});

/** Publishes as the type's producer would: its source, signed with its key (the dead-letter sink checks). */
const publish = (id: string, type: string, extra: Record<string, string> = {}) =>
  publishToBroker(system.eventKeys, broker, { id, type, extra });

const receivedBy = (id: string): Subscriber[] =>
  SUBSCRIBERS.filter((s) => subscribers[s].withId(id).length > 0);

async function metric(pattern: RegExp): Promise<number> {
  const { body } = await call<string>("GET", `${broker}/metrics`);
  const match = pattern.exec(body);
  return match ? Number(match[1]) : 0;
}

const delivered = (trigger: string) =>
  metric(new RegExp(`broker_deliveries_total\\{trigger="${trigger}",outcome="delivered"[^}]*\\} (\\d+)`));

async function deadLetters(): Promise<any[]> {
  const { status, body } = await call("GET", `${system.url("dead-letters")}/api/dead-letters?limit=100`, {
    token: adminToken,
  });
  expect(status).toBe(200);
  return body.dead_letters;
}

const deadLetter = (eventId: string, timeoutMs = 10_000): Promise<any> =>
  eventually(
    async () => (await deadLetters()).find((d) => d.event_id === eventId),
    timeoutMs,
    `dead letter ${eventId}`,
  );

/** Lets in-flight deliveries land before asserting that something did NOT arrive. */
const settle = () => new Promise((r) => setTimeout(r, 300));

describe("topology", () => {
  it("declares a durable headers exchange and per Trigger a durable queue bound by its exact filter", async () => {
    const { names } = rabbit;
    const [exchanges, queues, bindings] = await Promise.all([
      rabbitmqctl("list_exchanges", "name", "type", "durable", "-s"),
      rabbitmqctl("list_queues", "name", "durable", "type", "-s"),
      rabbitmqctl("list_bindings", "source_name", "destination_name", "arguments", "-s"),
    ]);
    expect(exchanges).toMatch(new RegExp(`^${names.exchange.replaceAll(".", "\\.")}\\theaders\\ttrue$`, "m"));
    expect(exchanges).toContain(`${names.deadLetterExchange}\tdirect\ttrue`);

    for (const trigger of rabbit.triggers) {
      expect(queues).toContain(`${names.queue(trigger.name)}\ttrue\tquorum`);
      expect(queues).toContain(`${names.deadLetterQueue(trigger.name)}\ttrue\tquorum`);
    }
    const placed = bindings
      .split("\n")
      .find((line) => line.startsWith(`${names.exchange}\t${names.queue("inventory-order-placed")}\t`));
    expect(placed).toContain('{"type","bazaar.order.placed"}');
    expect(placed).toContain('{"x-match","all"}');
  });
});

describe("ingress", () => {
  it("takes a binary event with 202 after the confirm and delivers it to the subscribers of its exact type", async () => {
    expect((await publish("route-1", "bazaar.order.cancelled", { "ce-tenant": "acme" })).status).toBe(202);
    await eventually(
      async () => (receivedBy("route-1").length === 4 ? true : undefined),
      5000,
      "4 deliveries",
    );
    await settle();
    expect(receivedBy("route-1")).toEqual(["inventory", "payment", "shipping", "notification"]);
    expect(subscribers.payment.withId("route-1")[0]).toMatchObject({
      path: "/events",
      body: '{"order_id":42}',
      headers: {
        "ce-type": "bazaar.order.cancelled",
        "ce-tenant": "acme",
        "content-type": "application/json",
      },
    });
  });

  it("takes a structured event and delivers it in binary mode", async () => {
    const { status } = await call("POST", `${broker}/`, {
      headers: { "content-type": "application/cloudevents+json" },
      raw: JSON.stringify({
        specversion: "1.0",
        id: "structured-1",
        source: "/bazaar/test",
        type: "bazaar.customer.deleted",
        data: { customer_id: 7 },
      }),
    });
    expect(status).toBe(202);
    const [request] = await eventually(async () => {
      const got = subscribers.notification.withId("structured-1");
      return got.length > 0 ? got : undefined;
    });
    expect(request?.headers["ce-type"]).toBe("bazaar.customer.deleted");
    expect(JSON.parse(request?.body ?? "")).toEqual({ customer_id: 7 });
  });

  it("answers 400 with a problem for a malformed event", async () => {
    const noSource = await call("POST", `${broker}/`, {
      raw: "{}",
      headers: { "ce-specversion": "1.0", "ce-id": "x", "ce-type": "bazaar.order.placed" },
    });
    expect(noSource.status).toBe(400);
    expect(noSource.headers.get("content-type")).toBe("application/problem+json");
    expect(noSource.body.detail).toMatch(/no source/);
  });

  it("counts and logs an event no Trigger matches (RabbitMQ returned it)", async () => {
    expect((await publish("nobody-1", "bazaar.order.cancelled.v2")).status).toBe(202);
    await settle();
    expect(receivedBy("nobody-1")).toEqual([]);
    expect(
      await metric(/broker_events_unrouted_total\{type="bazaar\.order\.cancelled\.v2"[^}]*\} (\d+)/),
    ).toBe(1);
    const warned = system
      .service("broker")
      .logs.some(
        (line) => line.includes('"level":"warn"') && line.includes("nobody-1") && line.includes("no Trigger"),
      );
    expect(warned).toBe(true);
  });
});

describe("delivery", () => {
  it("retries a 503 and then delivers, without dead-lettering", async () => {
    await publish("flaky-1", "bazaar.payment.requested");
    await eventually(async () => (subscribers.payment.withId("flaky-1").length === 2 ? true : undefined));
    await settle();
    expect(subscribers.payment.withId("flaky-1")).toHaveLength(2);
    expect((await deadLetters()).map((d) => d.event_id)).not.toContain("flaky-1");
  });

  it("dead-letters a poison event through its dead-letter queue to the dead-letters function, which replays it", async () => {
    await publish("doomed-1", "bazaar.payment.requested", { "ce-tenant": "acme" });
    const letter = await deadLetter("doomed-1");
    expect(subscribers.payment.withId("doomed-1")).toHaveLength(6); // 1 attempt + 5 retries
    expect(letter).toMatchObject({
      event_type: "bazaar.payment.requested",
      data: '{"order_id":42}',
      error_dest: `${subscribers.payment.url}/events`,
      error_code: 500,
      error_detail: "cannot process this one",
    });
    expect(letter.extensions).toMatchObject({ tenant: "acme" });
    expect(await readyIn(rabbit.names.deadLetterQueue("payment-payment-requested"))).toBe(0); // acked once stored

    healed.add("doomed-1"); // the subscriber is fixed; an admin replays the event
    const replayed = await call(
      "POST",
      `${system.url("dead-letters")}/api/dead-letters/${letter.id}/replay`,
      {
        token: adminToken,
      },
    );
    expect(replayed.status).toBe(200);
    expect(subscribers.payment.withId("doomed-1")).toHaveLength(7);
  });

  it("publishes a subscriber's 200 reply back into the broker", async () => {
    await publish("reply-1", "bazaar.payment.requested");
    await eventually(async () => (receivedBy("succeeded-reply-1").length === 2 ? true : undefined), 5000);
    expect(receivedBy("succeeded-reply-1")).toEqual(["order", "notification"]);
  });

  it("honours the Trigger's parallelism: at most 4 deliveries at once for inventory-order-placed", async () => {
    const ids = ["busy-1", "busy-2", "busy-3", "busy-4", "busy-5", "busy-6"];
    const before = await delivered("inventory-order-placed");
    await Promise.all(ids.map((id) => publish(id, "bazaar.order.placed")));
    const started = () => ids.filter((id) => subscribers.inventory.withId(id).length > 0).length;
    await eventually(async () => (started() === 4 ? true : undefined), 5000);
    await settle();
    expect(started()).toBe(4); // the other two wait in the queue (prefetch 4)
    await eventually(async () =>
      (await delivered("inventory-order-placed")) === before + 6 ? true : undefined,
    );
  });
});

describe("durability", () => {
  it("keeps queued and in-flight events across a broker crash, as persistent messages", async () => {
    const ids = ["slow-c1", "slow-c2", "slow-c3", "slow-c4", "slow-c5"];
    for (const id of ids) await publish(id, "bazaar.order.placed");
    await eventually(async () => (subscribers.inventory.withId("slow-c1").length > 0 ? true : undefined));
    await system.service("broker").stop("SIGKILL");

    const queue = rabbit.names.queue("inventory-order-placed");
    await eventually(
      async () => ((await readyIn(queue)) === 5 ? true : undefined),
      5000,
      "all 5 back in the queue",
    );
    const message = await withChannel(async (channel) => {
      const got = await channel.get(queue);
      if (got) channel.nack(got, false, true);
      return got;
    });
    expect(message && message.properties.deliveryMode).toBe(2); // persistent
    expect(message && message.properties.headers).toMatchObject({
      type: "bazaar.order.placed",
      specversion: "1.0",
    });

    await system.service("broker").start();
    await eventually(
      async () => (ids.every((id) => subscribers.inventory.withId(id).length > 0) ? true : undefined),
      10_000,
    );
    await eventually(async () => ((await readyIn(queue)) === 0 ? true : undefined), 5000);
  });

  it("keeps a dead letter in its dead-letter queue while the sink is down, even across a broker crash", async () => {
    const sink = system.service("dead-letters");
    await sink.stop();
    await publish("doomed-2", "bazaar.payment.requested");
    const logs = system.service("broker").logs;
    await eventually(
      async () =>
        logs.some((l) => l.includes("doomed-2") && l.includes("DEAD-LETTER SINK FAILED")) ? true : undefined,
      10_000,
      "the sink to fail",
    );
    await system.service("broker").stop("SIGKILL");
    const dlq = rabbit.names.deadLetterQueue("payment-payment-requested");
    await eventually(
      async () => ((await readyIn(dlq)) === 1 ? true : undefined),
      5000,
      "the dead letter in its queue",
    );

    await sink.start();
    await system.service("broker").start();
    const letter = await deadLetter("doomed-2");

    expect(letter.error_code).toBe(500);
  });

  it("drains on SIGTERM: in-flight deliveries finish and are acked, queued events wait for the next process", async () => {
    const ids = ["busy-t1", "busy-t2", "busy-t3", "busy-t4", "busy-t5", "busy-t6"];
    await Promise.all(ids.map((id) => publish(id, "bazaar.order.placed")));
    const started = () => ids.filter((id) => subscribers.inventory.withId(id).length > 0);
    await eventually(async () => (started().length === 4 ? true : undefined), 5000, "4 deliveries under way");
    await system.service("broker").stop("SIGTERM");
    expect(started()).toHaveLength(4); // no new delivery began while draining
    expect(system.service("broker").logs.some((line) => line.includes("drained"))).toBe(true);
    expect(await readyIn(rabbit.names.queue("inventory-order-placed"))).toBe(2);

    await system.service("broker").start();
    await eventually(async () => (started().length === 6 ? true : undefined), 10_000, "the other two");
    await settle();
    for (const id of ids) expect(subscribers.inventory.withId(id)).toHaveLength(1); // acked before the exit
  });
});
