import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { Unavailable } from "../errors";
import { createLogger } from "../observability";
import { createDispatcher } from "./dispatcher";
import { createMemoryTransport } from "./memory";
import { readCloudEvent } from "../events/wire";
import type { BrokerEvent } from "./message";
import { createBrokerMetrics } from "./metrics";
import { startRecorder, until, type Recorder, type Responder } from "./testing";
import type { Trigger } from "./triggers";
import type { Transport } from "./transport";

const event = (id: string, type: string): BrokerEvent =>
  readCloudEvent(
    { "ce-specversion": "1.0", "ce-id": id, "ce-source": "/test", "ce-type": type },
    new Uint8Array(),
  );

const recorders: Recorder[] = [];
const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close(0)));
  await Promise.all(recorders.splice(0).map((r) => r.close()));
});

async function setup(
  specs: { name: string; type: string; parallelism?: number; subscriber?: Responder }[],
  sink?: Responder,
) {
  const deadLetters = await startRecorder(sink);
  recorders.push(deadLetters);
  const subscribers: Record<string, Recorder> = {};
  const triggers: Trigger[] = [];
  for (const spec of specs) {
    const subscriber = await startRecorder(spec.subscriber);
    recorders.push(subscriber);
    subscribers[spec.name] = subscriber;
    triggers.push({
      name: spec.name,
      filter: { type: spec.type },
      subscriber: { service: spec.name, uri: "/events", url: `${subscriber.url}/events` },
      delivery: {
        retry: 1,
        backoffPolicy: "exponential",
        backoffDelayMs: 5,
        timeoutMs: undefined,
        deadLetterSink: { service: "dead-letters", uri: undefined, url: `${deadLetters.url}/` },
      },
      parallelism: spec.parallelism ?? 1,
    });
  }
  const logger = createLogger("broker", "silent");
  const metrics = createBrokerMetrics(new Registry(), triggers);
  const dispatcher = createDispatcher({ logger, metrics, timeoutMs: 2000, publish: async () => undefined });
  const transport = await createMemoryTransport({ triggers, dispatcher, metrics, logger });
  transports.push(transport);
  return { transport, subscribers, deadLetters, metrics };
}

describe("the memory transport", () => {
  it("queues an event for every matching Trigger and reports when none matched", async () => {
    const { transport, subscribers } = await setup([
      { name: "a", type: "x.placed" },
      { name: "b", type: "x.placed" },
      { name: "c", type: "x.cancelled" },
    ]);
    expect(await transport.publish(event("1", "x.placed"))).toBe(true);
    expect(await transport.publish(event("2", "y.unknown"))).toBe(false);
    await until(() => subscribers["b"]!.received.length === 1, "b to receive it");
    await until(() => subscribers["a"]!.received.length === 1, "a to receive it");
    expect(subscribers["c"]!.received).toEqual([]);
  });

  it("runs `parallelism` deliveries at once per Trigger", async () => {
    const { transport, subscribers, metrics } = await setup([
      { name: "p", type: "x.placed", parallelism: 3, subscriber: () => ({ status: 202, delayMs: 300 }) },
    ]);
    for (let n = 0; n < 5; n += 1) await transport.publish(event(String(n), "x.placed"));
    await until(() => subscribers["p"]!.received.length === 3, "the first three deliveries");
    await new Promise((r) => setTimeout(r, 100)); // the other two wait for a free worker
    expect(subscribers["p"]!.received).toHaveLength(3);
    expect((await metrics.queueDepth.get()).values[0]?.value).toBe(5);
    await until(() => subscribers["p"]!.received.length === 5, "all five deliveries");
  });

  it("sends failures to the dead-letter sink without holding up the Trigger's queue", async () => {
    const { transport, subscribers, deadLetters } = await setup(
      [
        {
          name: "f",
          type: "x.placed",
          subscriber: (request) => (request.headers["ce-id"] === "bad" ? 500 : 202),
        },
      ],
      () => 503, // the sink is down: dead letters wait, deliveries go on
    );
    await transport.publish(event("bad", "x.placed"));
    await transport.publish(event("good", "x.placed"));
    await until(() => subscribers["f"]!.withId("good").length === 1, "the good event");
    await until(() => deadLetters.withId("bad").length >= 2, "dead-letter retries");
    expect(deadLetters.received[0]?.headers["ce-knativeerrorcode"]).toBe("500");
  });

  it("drains queued events on close, within the grace period", async () => {
    const { transport, subscribers } = await setup([
      { name: "d", type: "x.placed", subscriber: () => ({ status: 202, delayMs: 50 }) },
    ]);
    for (let n = 0; n < 4; n += 1) await transport.publish(event(String(n), "x.placed"));
    expect(await transport.close(5000)).toBe(0);
    expect(subscribers["d"]!.received).toHaveLength(4);
    await expect(transport.publish(event("late", "x.placed"))).rejects.toThrow(Unavailable);
  });

  it("abandons what the grace period could not deliver, and says how much", async () => {
    const { transport } = await setup([
      { name: "s", type: "x.placed", subscriber: () => ({ status: 202, delayMs: 1000 }) },
    ]);
    for (let n = 0; n < 3; n += 1) await transport.publish(event(String(n), "x.placed"));
    const started = Date.now();
    expect(await transport.close(100)).toBe(3);
    expect(Date.now() - started).toBeLessThan(900);
  });
});
