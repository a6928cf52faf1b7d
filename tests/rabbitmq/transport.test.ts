/**
 * The RabbitMQ transport in this process, against a real RabbitMQ: routing by headers bindings, parking what
 * cannot be read, reconnecting after the connection or a queue is taken away, and draining. Subscribers are
 * recording servers, so every delivery can be counted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBroker, createRabbitTransport, namesOf, type Broker, type Trigger } from "../../broker";
import { startRecorder, until, type Recorder } from "../../broker/testing";
import { Unavailable } from "../../shared/errors";
import { readCloudEvent } from "../../shared/events/wire";
import { createLogger, createMetrics, type Metrics } from "../../shared/observability";
import { eventually } from "../support/http";
import {
  AMQP_URL,
  rabbitmqctl,
  readyIn,
  removeBroker,
  requireRabbitMQ,
  uniqueBrokerName,
  withChannel,
} from "../support/rabbitmq";

const name = uniqueBrokerName("transport");
const names = namesOf(name);
let subscriber: Recorder;
let sink: Recorder;
let triggers: Trigger[];
let metrics: Metrics;
let broker: Broker;

const trigger = (triggerName: string, filter: Record<string, string>, parallelism: number): Trigger => ({
  name: triggerName,
  filter,
  subscriber: { service: "order", uri: "/events", url: `${subscriber.url}/${triggerName}` },
  delivery: {
    retry: 2,
    backoffPolicy: "exponential",
    backoffDelayMs: 10,
    timeoutMs: undefined,
    deadLetterSink: { service: "dead-letters", uri: undefined, url: `${sink.url}/` },
  },
  parallelism,
});

const event = (id: string, type: string, extra: Record<string, string> = {}) =>
  readCloudEvent(
    { "ce-specversion": "1.0", "ce-id": id, "ce-source": "/test", "ce-type": type, ...extra },
    new TextEncoder().encode("{}"),
  );

async function metric(metricName: string): Promise<number> {
  const values = (await metrics.registry.getSingleMetric(metricName)?.get())?.values ?? [];
  return values.reduce((sum, v) => sum + v.value, 0);
}

const settle = () => new Promise((r) => setTimeout(r, 300));

beforeAll(async () => {
  await requireRabbitMQ();
  subscriber = await startRecorder((request) => {
    const id = request.headers["ce-id"] ?? "";
    if (id.startsWith("stuck-")) return { status: 202, delayMs: 1500 }; // outlasts a rabbitmqctl call, not the timeout
    return id.startsWith("slow-") ? { status: 202, delayMs: 600 } : 202;
  });
  sink = await startRecorder();
  triggers = [
    trigger("placed", { type: "x.placed" }, 2),
    trigger("eu-cancelled", { type: "x.cancelled", region: "eu" }, 1),
  ];
  metrics = createMetrics("broker");
  broker = await createBroker({
    triggers,
    logger: createLogger("broker", (process.env["TEST_LOG_LEVEL"] as "info" | undefined) ?? "silent"),
    metrics,
    deliveryTimeoutMs: 2000,
    transport: createRabbitTransport({ url: AMQP_URL, broker: name, queueType: "quorum" }),
  });
  await until(() => broker.ready(), "the transport to connect", 10_000);
});

afterAll(async () => {
  await rabbitmqctl("start_app"); // whatever a failed test left behind, RabbitMQ runs again
  await broker?.close(0);
  await Promise.all([subscriber?.close(), sink?.close()]);
  if (triggers) await removeBroker(name, triggers);
});

describe("the RabbitMQ transport", () => {
  it("routes by every filter attribute (x-match: all) and counts what no queue took", async () => {
    await broker.publish(event("eu-1", "x.cancelled", { "ce-region": "eu" }));
    await broker.publish(event("us-1", "x.cancelled", { "ce-region": "us" }));
    await until(() => subscriber.withId("eu-1").length === 1, "the eu event");
    await settle();
    expect(subscriber.withId("eu-1")[0]?.path).toBe("/eu-cancelled");
    expect(subscriber.withId("us-1")).toEqual([]);
    expect(await metric("broker_events_unrouted_total")).toBe(1);
  });

  it("parks a message that is not a CloudEvent instead of dropping or looping on it", async () => {
    await withChannel(async (channel) => {
      channel.publish(names.exchange, "", Buffer.from("junk"), { headers: { type: "x.placed" } });
      await channel.waitForConfirms();
    });
    await eventually(
      async () => ((await readyIn(names.parked)) === 1 ? true : undefined),
      5000,
      "a parked message",
    );
    expect(await readyIn(names.queue("placed"))).toBe(0);
  });

  it("reconnects after RabbitMQ closes its connection, and redelivers what was in flight", async () => {
    const delivered = () => metric("broker_deliveries_total");
    const before = await delivered();
    await broker.publish(event("stuck-1", "x.placed"));
    await until(() => subscriber.withId("stuck-1").length === 1, "the first attempt");
    // The connection goes while the subscriber takes its time: no ack can be sent, so RabbitMQ redelivers.
    await rabbitmqctl("close_all_connections", "bazaar test: dropped connection");
    await until(() => subscriber.withId("stuck-1").length === 2, "the redelivery", 10_000);
    await until(() => broker.ready(), "the reconnect", 10_000);
    expect(await metric("broker_transport_reconnects_total")).toBe(1);
    expect(await metric("broker_transport_ready")).toBe(1);

    await broker.publish(event("after-1", "x.placed"));
    await until(() => subscriber.withId("after-1").length === 1, "a delivery after the reconnect");
    // The first attempt was abandoned with its connection; the redelivery and after-1 were delivered and acked.
    await eventually(async () => ((await delivered()) === before + 2 ? true : undefined), 5000);
    await settle();
    expect(subscriber.withId("stuck-1")).toHaveLength(2);
    expect(await readyIn(names.queue("placed"))).toBe(0);
  });

  it("answers Unavailable while RabbitMQ is down, and resumes when it is back", async () => {
    await rabbitmqctl("stop_app");
    try {
      await until(() => !broker.ready(), "the transport to notice", 5000);
      await expect(broker.publish(event("down-1", "x.placed"))).rejects.toThrow(Unavailable);
    } finally {
      await rabbitmqctl("start_app");
    }
    await until(() => broker.ready(), "the reconnect", 15_000);
    await broker.publish(event("up-1", "x.placed"));
    await until(() => subscriber.withId("up-1").length === 1, "a delivery after the restart", 5000);
    expect(subscriber.withId("down-1")).toEqual([]);
  });

  it("redeclares a queue deleted under it and resumes consuming", async () => {
    const before = await metric("broker_transport_reconnects_total");
    await withChannel((channel) => channel.deleteQueue(names.queue("placed")));
    await eventually(
      async () =>
        (await metric("broker_transport_reconnects_total")) > before && broker.ready() ? true : undefined,
      10_000,
      "the reconnect that redeclares",
    );
    await broker.publish(event("back-1", "x.placed"));
    await until(() => subscriber.withId("back-1").length === 1, "a delivery from the new queue", 5000);
  });

  it("drains on close: in-flight deliveries finish and are acked, queued events stay in RabbitMQ", async () => {
    const ids = ["slow-d1", "slow-d2", "slow-d3", "slow-d4"];
    for (const id of ids) await broker.publish(event(id, "x.placed"));
    const started = () => ids.filter((id) => subscriber.withId(id).length > 0);
    await until(() => started().length === 2, "both workers busy");
    expect(await broker.close(5000)).toBe(0);
    expect(started()).toHaveLength(2); // parallelism 2: the other two never started
    for (const id of started()) expect(subscriber.withId(id)).toHaveLength(1);
    expect(await readyIn(names.queue("placed"))).toBe(2); // RabbitMQ keeps them for the next broker process
    await expect(broker.publish(event("late", "x.placed"))).rejects.toThrow(Unavailable);
  });
});
