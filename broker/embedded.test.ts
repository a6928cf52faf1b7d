import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "@bazaar/shared/db";
import { Unavailable } from "@bazaar/shared/errors";
import { readCloudEvent } from "@bazaar/shared/events";
import { createLogger } from "@bazaar/shared/observability";
import { migrationsFolder, schema } from "./db";
import { createDispatcher } from "./dispatcher";
import { createEmbeddedTransport } from "./embedded";
import type { BrokerEvent } from "./message";
import { createBrokerMetrics } from "./metrics";
import { startRecorder, until, type Recorder, type Responder } from "./testing";
import type { Transport } from "./transport";
import type { Trigger } from "./triggers";

const event = (id: string, type: string, data = ""): BrokerEvent =>
  readCloudEvent(
    { "ce-specversion": "1.0", "ce-id": id, "ce-source": "/test", "ce-type": type, "ce-tenant": "acme" },
    new TextEncoder().encode(data),
  );

const recorders: Recorder[] = [];
const transports: Transport[] = [];
const folders: string[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close(0)));
  await Promise.all(recorders.splice(0).map((r) => r.close()));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const recorder = async (respond?: Responder): Promise<Recorder> => {
  const started = await startRecorder(respond);
  recorders.push(started);
  return started;
};

/** A fresh database file for one test's transports: a second transport on it is the broker restarted. */
const databaseFile = (): string => {
  const folder = mkdtempSync(join(tmpdir(), "bazaar-broker-"));
  folders.push(folder);
  return `file:${join(folder, "broker.db")}`;
};

interface TriggerSpec {
  name: string;
  type: string;
  subscriber: Recorder;
  deadLetters: Recorder;
  parallelism?: number;
  retry?: number;
  /** Long enough and a failed attempt waits past the end of the test: that transport is stuck, as if dead. */
  backoffDelayMs?: number;
}

const triggerOf = (spec: TriggerSpec): Trigger => ({
  name: spec.name,
  filter: { type: spec.type },
  subscriber: { service: spec.name, uri: "/events", url: `${spec.subscriber.url}/events` },
  delivery: {
    retry: spec.retry ?? 1,
    backoffPolicy: "exponential",
    backoffDelayMs: spec.backoffDelayMs ?? 5,
    timeoutMs: undefined,
    deadLetterSink: { service: "dead-letters", uri: undefined, url: `${spec.deadLetters.url}/` },
  },
  parallelism: spec.parallelism ?? 1,
});

async function openTransport(url: string, specs: TriggerSpec[]) {
  const triggers = specs.map(triggerOf);
  const logger = createLogger("broker", "silent");
  const metrics = createBrokerMetrics(new Registry(), triggers);
  const dispatcher = createDispatcher({ logger, metrics, timeoutMs: 2000, publish: async () => undefined });
  const transport = await createEmbeddedTransport({ url })({ triggers, dispatcher, metrics, logger });
  transports.push(transport);
  return { transport, metrics };
}

/** The event ids on disk, per table, read through a connection of its own. */
async function onDisk(url: string): Promise<{ deliveries: string[]; deadLetters: string[] }> {
  const database = await openDatabase({ url, schema, migrationsFolder });
  try {
    const ids = (rows: { trigger: string; attributes: string }[]) =>
      rows.map((row) => `${row.trigger}:${(JSON.parse(row.attributes) as { id: string }).id}`);
    return {
      deliveries: ids(await database.db.select().from(schema.pendingDeliveries)),
      deadLetters: ids(await database.db.select().from(schema.pendingDeadLetters)),
    };
  } finally {
    database.close();
  }
}

async function untilDisk(url: string, expected: { deliveries: string[]; deadLetters: string[] }) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const seen = await onDisk(url);
    if (JSON.stringify(seen) === JSON.stringify(expected) || Date.now() > deadline) return seen;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the embedded transport", () => {
  it("queues an event for every matching Trigger and reports when none matched", async () => {
    const deadLetters = await recorder();
    const [a, b, c] = [await recorder(), await recorder(), await recorder()];
    const { transport } = await openTransport(databaseFile(), [
      { name: "a", type: "x.placed", subscriber: a, deadLetters },
      { name: "b", type: "x.placed", subscriber: b, deadLetters },
      { name: "c", type: "x.cancelled", subscriber: c, deadLetters },
    ]);
    expect(await transport.publish(event("1", "x.placed"))).toBe(true);
    expect(await transport.publish(event("2", "y.unknown"))).toBe(false);
    await until(() => b.received.length === 1, "b to receive it");
    await until(() => a.received.length === 1, "a to receive it");
    expect(c.received).toEqual([]);
  });

  it("runs `parallelism` deliveries at once per Trigger", async () => {
    const p = await recorder(() => ({ status: 202, delayMs: 300 }));
    const { transport, metrics } = await openTransport(databaseFile(), [
      { name: "p", type: "x.placed", subscriber: p, deadLetters: await recorder(), parallelism: 3 },
    ]);
    for (let n = 0; n < 5; n += 1) await transport.publish(event(String(n), "x.placed"));
    await until(() => p.received.length === 3, "the first three deliveries");
    await new Promise((r) => setTimeout(r, 100)); // the other two wait for a free worker
    expect(p.received).toHaveLength(3);
    expect((await metrics.queueDepth.get()).values[0]?.value).toBe(5);
    await until(() => p.received.length === 5, "all five deliveries");
  });

  it("sends failures to the dead-letter sink without holding up the Trigger's queue", async () => {
    const f = await recorder((request) => (request.headers["ce-id"] === "bad" ? 500 : 202));
    const deadLetters = await recorder(() => 503); // the sink is down: dead letters wait, deliveries go on
    const { transport } = await openTransport(databaseFile(), [
      { name: "f", type: "x.placed", subscriber: f, deadLetters },
    ]);
    await transport.publish(event("bad", "x.placed"));
    await transport.publish(event("good", "x.placed"));
    await until(() => f.withId("good").length === 1, "the good event");
    await until(() => deadLetters.withId("bad").length >= 2, "dead-letter retries");
    expect(deadLetters.received[0]?.headers["ce-knativeerrorcode"]).toBe("500");
  });

  it("drains queued events on close, within the grace period", async () => {
    const d = await recorder(() => ({ status: 202, delayMs: 50 }));
    const { transport } = await openTransport(databaseFile(), [
      { name: "d", type: "x.placed", subscriber: d, deadLetters: await recorder() },
    ]);
    for (let n = 0; n < 4; n += 1) await transport.publish(event(String(n), "x.placed"));
    expect(await transport.close(5000)).toBe(0);
    expect(d.received).toHaveLength(4);
    await expect(transport.publish(event("late", "x.placed"))).rejects.toThrow(Unavailable);
  });
});

describe("the embedded transport on disk", () => {
  it("has an event on disk once publish resolves, and deletes it once delivered or refused for good", async () => {
    const url = databaseFile();
    const deadLetters = await recorder();
    const slow =
      (answer: number): Responder =>
      () => ({ status: answer, delayMs: 300 });
    const { transport } = await openTransport(url, [
      { name: "a", type: "x.placed", subscriber: await recorder(slow(202)), deadLetters },
      { name: "b", type: "x.placed", subscriber: await recorder(slow(422)), deadLetters },
    ]);
    await transport.publish(event("1", "x.placed"));
    expect((await onDisk(url)).deliveries.sort()).toEqual(["a:1", "b:1"]);
    expect(await untilDisk(url, { deliveries: [], deadLetters: [] })).toEqual({
      deliveries: [],
      deadLetters: [],
    });
    expect(deadLetters.received).toEqual([]);
  });

  it("keeps the order of events published at once, which share a commit", async () => {
    const url = databaseFile();
    const o = await recorder();
    const { transport } = await openTransport(url, [
      { name: "o", type: "x.placed", subscriber: o, deadLetters: await recorder() },
    ]);
    const ids = Array.from({ length: 30 }, (_, n) => String(n));
    await Promise.all(ids.map((id) => transport.publish(event(id, "x.placed"))));
    await until(() => o.received.length === ids.length, "every delivery");
    expect(o.received.map((request) => request.headers["ce-id"])).toEqual(ids);
    expect(await untilDisk(url, { deliveries: [], deadLetters: [] })).toEqual({
      deliveries: [],
      deadLetters: [],
    });
  });

  it("keeps on disk what the grace period could not deliver, and the next start delivers it", async () => {
    const url = databaseFile();
    const s = await recorder(() => ({ status: 202, delayMs: 1000 }));
    const spec = { name: "s", type: "x.placed", subscriber: s, deadLetters: await recorder() };
    const first = await openTransport(url, [spec]);
    for (let n = 0; n < 3; n += 1) await first.transport.publish(event(String(n), "x.placed", `{"n":${n}}`));
    const started = Date.now();
    expect(await first.transport.close(100)).toBe(0); // nothing abandoned
    expect(Date.now() - started).toBeLessThan(900);
    expect((await onDisk(url)).deliveries).toEqual(["s:0", "s:1", "s:2"]);

    s.respond = () => 202;
    await openTransport(url, [spec]);
    // 0 was cut short mid-delivery and comes again; 1 and 2 come for the first time.
    await until(() => s.received.length === 4, "the rest of the deliveries");
    expect(s.received.map((request) => request.headers["ce-id"])).toEqual(["0", "0", "1", "2"]);
    expect(s.received[3]).toMatchObject({
      body: '{"n":2}',
      headers: { "ce-tenant": "acme", "ce-source": "/test" },
    });
    expect(await untilDisk(url, { deliveries: [], deadLetters: [] })).toEqual({
      deliveries: [],
      deadLetters: [],
    });
  });

  it("after a crash, delivers what was accepted first and in order (parallelism 1), then the new events", async () => {
    const url = databaseFile();
    const deadLetters = await recorder();
    // The first broker is stuck retrying event 1 when it "dies": it is abandoned, never closed.
    const down = await recorder(() => 503);
    await openTransport(url, [
      { name: "o", type: "x.placed", subscriber: down, deadLetters, backoffDelayMs: 60_000 },
    ]).then(async ({ transport }) => {
      for (const id of ["1", "2", "3"]) await transport.publish(event(id, "x.placed"));
    });
    await until(() => down.withId("1").length === 1, "the first attempt");

    // Earlier events answer more slowly: only the queue keeps them in order.
    const up = await recorder((request) => ({
      status: 202,
      delayMs: 30 - 5 * Number(request.headers["ce-id"]),
    }));
    const { transport } = await openTransport(url, [
      { name: "o", type: "x.placed", subscriber: up, deadLetters },
    ]);
    for (const id of ["4", "5"]) await transport.publish(event(id, "x.placed"));
    await until(() => up.received.length === 5, "five deliveries");
    expect(up.received.map((request) => request.headers["ce-id"])).toEqual(["1", "2", "3", "4", "5"]);
    expect(await untilDisk(url, { deliveries: [], deadLetters: [] })).toEqual({
      deliveries: [],
      deadLetters: [],
    });
  });

  it("keeps a dead letter through a crash until the dead-letter sink takes it", async () => {
    const url = databaseFile();
    const failing = await recorder(() => ({ status: 500, body: "cannot" }));
    const sinkDown = await recorder(() => 503);
    await openTransport(url, [
      { name: "f", type: "x.placed", subscriber: failing, deadLetters: sinkDown, retry: 0 },
    ]).then(({ transport }) => transport.publish(event("bad", "x.placed")));
    await until(() => sinkDown.withId("bad").length >= 1, "the dead letter's first attempt");
    expect(await onDisk(url)).toEqual({ deliveries: [], deadLetters: ["f:bad"] });

    const sinkUp = await recorder();
    const subscriber = await recorder();
    await openTransport(url, [{ name: "f", type: "x.placed", subscriber, deadLetters: sinkUp, retry: 0 }]);
    await until(() => sinkUp.withId("bad").length === 1, "the dead letter, after the restart");
    expect(sinkUp.received[0]?.headers["ce-knativeerrorcode"]).toBe("500");
    expect(subscriber.received).toEqual([]); // dead-lettered is final: not delivered again
    expect(await untilDisk(url, { deliveries: [], deadLetters: [] })).toEqual({
      deliveries: [],
      deadLetters: [],
    });
  });

  it("keeps, without delivering them, the events of a Trigger that is gone", async () => {
    const url = databaseFile();
    const deadLetters = await recorder();
    const down = await recorder(() => 503);
    await openTransport(url, [
      { name: "gone", type: "x.placed", subscriber: down, deadLetters, backoffDelayMs: 60_000 },
    ]).then(({ transport }) => transport.publish(event("1", "x.placed")));
    await until(() => down.received.length === 1, "the first attempt");

    const other = await recorder();
    await openTransport(url, [{ name: "other", type: "x.placed", subscriber: other, deadLetters }]);
    await new Promise((r) => setTimeout(r, 100));
    expect(other.received).toEqual([]);
    expect(await onDisk(url)).toEqual({ deliveries: ["gone:1"], deadLetters: [] });
  });
});
