import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { asc, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../db";
import { createLogger, createMetrics, type Metrics } from "../observability";
import { openTestDatabase, type TestDatabase } from "../testing/database";
import { eventKeysIn } from "../testing/events";
import { createOutbox, type Outbox } from "./outbox";
import { createRelay, type Relay } from "./relay";
import { refusalOf } from "./signature";
import { outbox } from "./tables";
import { readCloudEvent } from "./wire";

const schema = { outbox };
const keys = eventKeysIn();
type Schema = typeof schema;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A broker ingress stand-in on a free local port: records every POST and answers what the test says. */
async function startSink() {
  const received: Received[] = [];
  const sink = { received, status: 202, url: "", delayMs: 0 };
  const server: Server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body });
      setTimeout(() => response.writeHead(sink.status).end(), sink.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { sink, close };
}

const trace = {
  correlationId: "relay-test",
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
};
let opened: TestDatabase<Schema>;
let metrics: Metrics;
let sinkServer: Awaited<ReturnType<typeof startSink>>;
let relay: Relay | undefined;

beforeEach(async () => {
  opened = await openTestDatabase(schema);
  metrics = createMetrics("order");
  sinkServer = await startSink();
});
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  await sinkServer.close();
  opened.dispose();
});

function relayTo(sink: string | undefined, database = opened.database): Relay {
  relay = createRelay({
    database,
    sink,
    signingKey: keys.keyOf("customer"),
    logger: createLogger("test", "silent"),
    metrics,
  });
  return relay;
}

/** Three events in three commits; the outbox does not kick anything here, the test flushes. */
async function writeThree(events: Outbox<Schema>): Promise<void> {
  for (const customer_id of [1, 2, 3]) {
    await events.write(trace, async (_tx, emit) =>
      emit("bazaar.customer.deleted", { customer_id }, customer_id),
    );
  }
}

const outboxRows = () => opened.database.db.select().from(outbox).orderBy(asc(outbox.createdAt));
const subjectsOf = (received: Received[]) => received.map((r) => r.headers["ce-subject"]);

describe("createRelay", () => {
  it("posts pending events in binary mode and marks them sent on 202", async () => {
    const events = createOutbox({
      database: opened.database,
      source: "/bazaar/customer",
      onCommit: () => undefined,
    });
    await writeThree(events);
    const ids = (await outboxRows()).map((r) => r.id);

    expect(await relayTo(sinkServer.sink.url).flush()).toBe(3);
    const { received } = sinkServer.sink;
    expect(subjectsOf(received).sort()).toEqual(["1", "2", "3"]);
    expect(received.map((r) => r.headers["ce-id"]).sort()).toEqual([...ids].sort());
    const first = received.find((r) => r.headers["ce-subject"] === "1")!;
    expect(first.headers).toMatchObject({
      "ce-specversion": "1.0",
      "ce-type": "bazaar.customer.deleted",
      "ce-source": "/bazaar/customer",
      "ce-traceparent": trace.traceparent,
      "ce-correlationid": "relay-test",
      traceparent: trace.traceparent,
    });
    expect(first.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(first.body)).toEqual({ customer_id: 1 });
    // Signed by the customer function's key, as every receiver checks.
    expect(first.headers["ce-signaturekey"]).toBe(keys.keyOf("customer").kid);
    const asReceived = readCloudEvent(
      first.headers as Record<string, string>,
      new TextEncoder().encode(first.body),
    );
    expect(refusalOf(asReceived, keys.keyring)).toBeUndefined();
    expect((await outboxRows()).every((r) => r.sentAt !== null)).toBe(true);
    expect((await metrics.outboxBacklog.get()).values[0]?.value).toBe(0);

    expect(await relay!.flush()).toBe(0);
    expect(received).toHaveLength(3);
  });

  it("keeps the events the sink refuses, counts the attempts, and sends them with the same ids later", async () => {
    const events = createOutbox({
      database: opened.database,
      source: "/bazaar/customer",
      onCommit: () => undefined,
    });
    await writeThree(events);
    const { sink } = sinkServer;
    relayTo(sink.url);

    sink.status = 500;
    expect(await relay!.flush()).toBe(0);
    // A batch is posted at once: each refused event was tried, and all are kept.
    expect(subjectsOf(sink.received).sort()).toEqual(["1", "2", "3"]);
    expect((await outboxRows()).map((row) => [row.sentAt, row.attempts])).toEqual([
      [null, 1],
      [null, 1],
      [null, 1],
    ]);
    expect((await metrics.outboxBacklog.get()).values[0]?.value).toBe(3);

    sink.status = 202;
    expect(await relay!.flush()).toBe(3);
    expect(sink.received).toHaveLength(6);
    // Every retry carries the same CloudEvent id, so a consumer that saw one already dedupes it.
    expect(new Set(sink.received.map((r) => r.headers["ce-id"])).size).toBe(3);
    expect((await outboxRows()).every((r) => r.sentAt !== null)).toBe(true);
    expect((await metrics.outboxBacklog.get()).values[0]?.value).toBe(0);
  });

  it("publishes right after a commit, and what the sink refused on the next tick", async () => {
    const { sink } = sinkServer;
    sink.status = 500;
    const relay = relayTo(sink.url);
    const events = createOutbox({
      database: opened.database,
      source: "/bazaar/customer",
      onCommit: relay.kick,
    });
    await events.write(trace, async (_tx, emit) => emit("bazaar.customer.deleted", { customer_id: 9 }, 9));
    await waitFor(() => sink.received.length >= 1);
    await relay.flush(); // the kicked pass is over
    expect((await outboxRows()).every((r) => r.sentAt === null)).toBe(true);
    sink.status = 202;
    expect(await relay.tick()).toBe(1);
    expect((await outboxRows()).every((r) => r.sentAt !== null)).toBe(true);
    expect(subjectsOf(sink.received).at(-1)).toBe("9");
  });

  it("posts each event once when two replicas' relays share the outbox", async () => {
    // Two processes' worth: a second client on the same file, each with its own relay and timer.
    const other = await openDatabase({
      url: `file:${opened.dir}/test.db`,
      schema,
      migrationsFolder: `${opened.dir}/migrations`,
    });
    const events = createOutbox({
      database: opened.database,
      source: "/bazaar/customer",
      onCommit: () => undefined,
    });
    for (let customer_id = 1; customer_id <= 150; customer_id++)
      await events.write(trace, async (_tx, emit) =>
        emit("bazaar.customer.deleted", { customer_id }, customer_id),
      );
    const { sink } = sinkServer;
    sink.delayMs = 20; // posts in flight while the other relay looks for work
    const first = relayTo(sink.url);
    const second = createRelay({
      database: other,
      sink: sink.url,
      signingKey: keys.keyOf("customer"),
      logger: createLogger("test", "silent"),
      metrics: createMetrics("customer"),
    });
    try {
      const [byFirst = 0, bySecond = 0] = await Promise.all([first.flush(), second.flush()]);
      expect(byFirst + bySecond).toBe(150);
      expect(Math.min(byFirst, bySecond)).toBeGreaterThan(0); // both took part
      const ids = sink.received.map((r) => r.headers["ce-id"]);
      expect(ids).toHaveLength(150);
      expect(new Set(ids).size).toBe(150);
      expect((await outboxRows()).every((r) => r.sentAt !== null)).toBe(true);
    } finally {
      await second.stop();
      other.close();
    }
  });

  it("leaves rows another replica is posting alone, and takes them up once its claim ran out", async () => {
    const events = createOutbox({
      database: opened.database,
      source: "/bazaar/customer",
      onCommit: () => undefined,
    });
    await writeThree(events);
    // A replica claimed them and was killed mid-post.
    const claim = (until: number) =>
      opened.database.write((tx) => tx.update(outbox).set({ claimedUntil: until }));
    await claim(Date.now() + 60_000);
    const { sink } = sinkServer;
    expect(await relayTo(sink.url).flush()).toBe(0);
    expect(sink.received).toHaveLength(0);

    await claim(Date.now() - 1);
    expect(await relay!.flush()).toBe(3);
    expect(subjectsOf(sink.received).sort()).toEqual(["1", "2", "3"]);
    const [pending] = await opened.database.db.all<{ n: number }>(
      sql`select count(*) as n from outbox where sent_at is null`,
    );
    expect(pending?.n).toBe(0);
  });

  it("keeps events in the outbox while no sink is configured", async () => {
    const events = createOutbox({
      database: opened.database,
      source: "/bazaar/customer",
      onCommit: () => undefined,
    });
    await writeThree(events);
    expect(await relayTo(undefined).flush()).toBe(0);
    expect((await outboxRows()).every((r) => r.sentAt === null)).toBe(true);
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("relay.tick", () => {
  it("publishes what is pending and deletes what was sent longer ago than it keeps them", async () => {
    const events = createOutbox({
      database: opened.database,
      source: "/bazaar/customer",
      onCommit: () => undefined,
    });
    await writeThree(events);
    const keepBriefly = createRelay({
      database: opened.database,
      sink: sinkServer.sink.url,
      signingKey: keys.keyOf("customer"),
      logger: createLogger("test", "silent"),
      metrics,
      retainSentMs: 100,
    });
    try {
      expect(await keepBriefly.flush()).toBe(3);
      await new Promise((r) => setTimeout(r, 150)); // the three sent ones are now older than the 100 ms kept
      await events.write(trace, async (_tx, emit) => emit("bazaar.customer.deleted", { customer_id: 4 }, 4));
      expect(await keepBriefly.tick()).toBe(1);
      expect((await outboxRows()).map((row) => row.subject)).toEqual(["4"]);
    } finally {
      await keepBriefly.stop();
    }
  });
});
