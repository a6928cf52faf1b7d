import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { readCloudEvent } from "@bazaar/shared/events";
import { createLogger } from "@bazaar/shared/observability";
import { createDispatcher } from "./dispatcher";
import type { BrokerEvent } from "./message";
import { createBrokerMetrics, type BrokerMetrics } from "./metrics";
import { startRecorder, type Recorder, type Reply, type Responder } from "./testing";
import type { Trigger } from "./triggers";

const bytes = (text: string) => new TextEncoder().encode(text);

const event = (id: string): BrokerEvent =>
  readCloudEvent(
    {
      "ce-specversion": "1.0",
      "ce-id": id,
      "ce-source": "/bazaar/order",
      "ce-type": "bazaar.payment.requested",
      "ce-subject": "42",
      "ce-tenant": "acme",
      "content-type": "application/json",
    },
    bytes('{"order_id":42}'),
  );

const recorders: Recorder[] = [];
afterEach(async () => {
  await Promise.all(recorders.splice(0).map((r) => r.close()));
});

async function setup(options: {
  subscriber?: Responder;
  sink?: Responder;
  retry?: number;
  timeoutMs?: number;
  /** How the broker takes a reply; by default it keeps it in `replies`. */
  publish?: (reply: BrokerEvent) => Promise<void>;
}) {
  const subscriber = await startRecorder(options.subscriber);
  const sink = await startRecorder(options.sink);
  recorders.push(subscriber, sink);
  const trigger: Trigger = {
    name: "payment-payment-requested",
    filter: { type: "bazaar.payment.requested" },
    subscriber: { service: "payment", uri: "/events", url: `${subscriber.url}/events` },
    delivery: {
      retry: options.retry ?? 3,
      backoffPolicy: "exponential",
      backoffDelayMs: 5,
      timeoutMs: options.timeoutMs,
      deadLetterSink: { service: "dead-letters", uri: undefined, url: `${sink.url}/` },
    },
    parallelism: 1,
  };
  const metrics = createBrokerMetrics(new Registry(), [trigger]);
  const replies: BrokerEvent[] = [];
  const dispatcher = createDispatcher({
    logger: createLogger("broker", "silent"),
    metrics,
    timeoutMs: 2000,
    publish:
      options.publish ??
      (async (reply) => {
        replies.push(reply);
      }),
  });
  const signal = new AbortController().signal;
  return { subscriber, sink, trigger, metrics, replies, dispatcher, signal };
}

async function count(metrics: BrokerMetrics, outcome: string): Promise<number> {
  const { values } = await metrics.deliveries.get();
  return values.find((v) => v.labels["outcome"] === outcome)?.value ?? 0;
}

describe("deliver", () => {
  it("POSTs in binary mode with every attribute and the exact body", async () => {
    const { subscriber, trigger, metrics, dispatcher, signal } = await setup({});
    expect(await dispatcher.deliver(trigger, event("e-1"), signal)).toEqual({ outcome: "delivered" });
    const [request] = subscriber.received;
    expect(request).toMatchObject({
      method: "POST",
      path: "/events",
      body: '{"order_id":42}',
      headers: {
        "ce-specversion": "1.0",
        "ce-id": "e-1",
        "ce-source": "/bazaar/order",
        "ce-type": "bazaar.payment.requested",
        "ce-subject": "42",
        "ce-tenant": "acme",
        "content-type": "application/json",
      },
    });
    expect(await count(metrics, "delivered")).toBe(1);
  });

  it("retries a 503 and counts the retry", async () => {
    const { subscriber, trigger, metrics, dispatcher, signal } = await setup({
      subscriber: (_request, nth) => (nth === 1 ? 503 : 202),
    });
    expect(await dispatcher.deliver(trigger, event("e-2"), signal)).toEqual({ outcome: "delivered" });
    expect(subscriber.withId("e-2")).toHaveLength(2);
    expect(await count(metrics, "retried")).toBe(1);
    expect(await count(metrics, "delivered")).toBe(1);
  });

  it.each([404, 408, 409, 429, 500, 502])("retries %i", async (status) => {
    const { subscriber, trigger, dispatcher, signal } = await setup({
      subscriber: (_request, nth) => (nth <= 2 ? status : 200),
    });
    expect(await dispatcher.deliver(trigger, event("e-3"), signal)).toEqual({ outcome: "delivered" });
    expect(subscriber.withId("e-3")).toHaveLength(3);
  });

  it.each([400, 401, 403, 410, 422])(
    "counts %i as done after one attempt, as the RabbitMQ broker does",
    async (status) => {
      const { subscriber, trigger, metrics, dispatcher, signal } = await setup({ subscriber: () => status });
      expect(await dispatcher.deliver(trigger, event("e-4"), signal)).toEqual({ outcome: "delivered" });
      expect(subscriber.received).toHaveLength(1);
      expect(await count(metrics, "delivered")).toBe(1);
    },
  );

  it("after the last retry hands back a dead letter naming the subscriber, the status and what it said", async () => {
    const { subscriber, trigger, metrics, dispatcher, signal } = await setup({
      retry: 2,
      subscriber: () => ({ status: 500, body: "database on fire" }),
    });
    const result = await dispatcher.deliver(trigger, event("e-5"), signal);
    expect(subscriber.received).toHaveLength(3);
    expect(result.outcome).toBe("failed");
    const deadLetter = (result as { deadLetter: BrokerEvent }).deadLetter;
    expect(deadLetter.attributes).toMatchObject({
      id: "e-5",
      tenant: "acme",
      knativeerrordest: `${subscriber.url}/events`,
      knativeerrorcode: "500",
      knativeerrordata: Buffer.from("database on fire").toString("base64"),
    });
    expect(new TextDecoder().decode(deadLetter.data)).toBe('{"order_id":42}');
    expect(await count(metrics, "retried")).toBe(2);
    expect(await count(metrics, "delivered")).toBe(0);
  });

  it("treats no answer as retryable, with code 0", async () => {
    const { subscriber, trigger, dispatcher, signal } = await setup({ retry: 1 });
    await subscriber.close();
    const result = await dispatcher.deliver(trigger, event("e-6"), signal);
    expect(result.outcome).toBe("failed");
    expect((result as { deadLetter: BrokerEvent }).deadLetter.attributes["knativeerrorcode"]).toBe("0");
  });

  it("gives up on a slow subscriber after the timeout and retries", async () => {
    const { subscriber, trigger, dispatcher, signal } = await setup({
      timeoutMs: 100,
      subscriber: (_request, nth) => (nth === 1 ? { status: 202, delayMs: 500 } : 202),
    });
    expect(await dispatcher.deliver(trigger, event("e-7"), signal)).toEqual({ outcome: "delivered" });
    expect(subscriber.withId("e-7")).toHaveLength(2);
  });

  it("waits the exponential backoff between attempts", async () => {
    const { subscriber, trigger, dispatcher, signal } = await setup({
      subscriber: (_request, nth) => (nth <= 3 ? 503 : 202),
    });
    const slow = { ...trigger, delivery: { ...trigger.delivery, backoffDelayMs: 25 } };
    const started = Date.now();
    await dispatcher.deliver(slow, event("e-8"), signal);
    expect(subscriber.received).toHaveLength(4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50 + 100 + 200); // 25 * 2^1 + 25 * 2^2 + 25 * 2^3
  });

  it("publishes a 200 binary reply back to the broker", async () => {
    const { trigger, replies, dispatcher, signal } = await setup({
      subscriber: () => ({
        status: 200,
        headers: {
          "ce-specversion": "1.0",
          "ce-id": "r-1",
          "ce-source": "/bazaar/payment",
          "ce-type": "bazaar.payment.succeeded",
          "content-type": "application/json",
        },
        body: '{"paid":true}',
      }),
    });
    expect(await dispatcher.deliver(trigger, event("e-9"), signal)).toEqual({ outcome: "delivered" });
    expect(replies.map((r) => r.attributes["type"])).toEqual(["bazaar.payment.succeeded"]);
    expect(new TextDecoder().decode(replies[0]!.data)).toBe('{"paid":true}');
  });

  it("publishes a 200 structured reply", async () => {
    const { trigger, replies, dispatcher, signal } = await setup({
      subscriber: () => ({
        status: 200,
        headers: { "content-type": "application/cloudevents+json" },
        body: JSON.stringify({
          specversion: "1.0",
          id: "r-2",
          source: "/s",
          type: "bazaar.payment.failed",
          data: {},
        }),
      }),
    });
    await dispatcher.deliver(trigger, event("e-10"), signal);
    expect(replies.map((r) => r.attributes["id"])).toEqual(["r-2"]);
  });

  it("does not take a 202, a plain 200 body or a malformed CloudEvent for a reply", async () => {
    const ceHeaders = { "ce-specversion": "1.0", "ce-id": "r", "ce-source": "/s", "ce-type": "t" };
    const answers: Reply[] = [
      { status: 202, headers: ceHeaders },
      { status: 200, headers: { "content-type": "application/json" }, body: '{"ok":true}' },
      { status: 200, headers: { "ce-specversion": "1.0", "ce-id": "r" } },
    ];
    const { trigger, replies, dispatcher, signal } = await setup({
      subscriber: (request) => answers[Number(request.headers["ce-id"])]!,
    });
    for (const id of ["0", "1", "2"]) {
      expect(await dispatcher.deliver(trigger, event(id), signal)).toEqual({ outcome: "delivered" });
    }
    expect(replies).toEqual([]);
  });

  it("dead-letters the event when its reply cannot be published", async () => {
    const { subscriber, trigger, dispatcher, signal } = await setup({
      subscriber: () => ({
        status: 200,
        headers: { "ce-specversion": "1.0", "ce-id": "r-3", "ce-source": "/s", "ce-type": "t" },
      }),
      publish: async () => {
        throw new Error("the broker is shutting down");
      },
    });
    const result = await dispatcher.deliver(trigger, event("e-12"), signal);
    expect(result.outcome).toBe("failed");
    const { attributes } = (result as { deadLetter: BrokerEvent }).deadLetter;
    expect(attributes).toMatchObject({
      knativeerrorcode: "200",
      knativeerrordest: `${subscriber.url}/events`,
    });
    expect(Buffer.from(attributes["knativeerrordata"]!, "base64").toString()).toBe(
      "reply not published: the broker is shutting down",
    );
  });

  it("stops at once when the broker shuts down during a backoff", async () => {
    const { trigger, dispatcher } = await setup({ subscriber: () => 503 });
    const shutdown = new AbortController();
    const slow = { ...trigger, delivery: { ...trigger.delivery, backoffDelayMs: 10_000 } };
    const delivery = dispatcher.deliver(slow, event("e-11"), shutdown.signal);
    setTimeout(() => shutdown.abort(), 50);
    expect(await delivery).toEqual({ outcome: "aborted" });
  });
});

describe("deadLetter", () => {
  it("keeps posting to a failing sink until it accepts", async () => {
    const { sink, trigger, metrics, dispatcher, signal } = await setup({
      sink: (_request, nth) => (nth <= 2 ? 503 : 202),
    });
    expect(await dispatcher.deadLetter(trigger, event("d-1"), signal)).toBe(true);
    expect(sink.withId("d-1")).toHaveLength(3);
    expect(sink.received[0]).toMatchObject({ path: "/", headers: { "ce-tenant": "acme" } });
    expect(await count(metrics, "dead_lettered")).toBe(1);
    const { values } = await metrics.deadLetterFailures.get();
    expect(values[0]?.value).toBe(2);
  });

  it("does not count a 4xx from the sink as stored", async () => {
    const { sink, trigger, dispatcher, signal } = await setup({
      sink: (_request, nth) => (nth === 1 ? 400 : 201),
    });
    expect(await dispatcher.deadLetter(trigger, event("d-2"), signal)).toBe(true);
    expect(sink.received).toHaveLength(2);
  });

  it("returns false when the broker shuts down", async () => {
    const { trigger, dispatcher } = await setup({ sink: () => 500 });
    const shutdown = new AbortController();
    const attempt = dispatcher.deadLetter(trigger, event("d-3"), shutdown.signal);
    setTimeout(() => shutdown.abort(), 150);
    expect(await attempt).toBe(false);
  });
});
