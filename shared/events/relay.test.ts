import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { asc, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openDatabase } from "../db";
import { createLogger, createMetrics, type Metrics } from "../observability";
import { countingWrites, openTestDatabase, type TestDatabase } from "../testing/database";
import { eventKeysIn } from "../testing/events";
import { createOutbox, type Outbox, type OutboxRow } from "./outbox";
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
  const sink = { received, status: 202, url: "", delayMs: 0, hold: Promise.resolve() };
  const server: Server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body });
      setTimeout(() => void sink.hold.then(() => response.writeHead(sink.status).end()), sink.delayMs);
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
  vi.useRealTimers();
  vi.restoreAllMocks();
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

  it("posts a commit's rows right after it, claimed by its transaction: no read, no claim, one write", async () => {
    const { sink } = sinkServer;
    const counted = countingWrites(opened.database);
    const relay = relayTo(sink.url, counted);
    let handed: OutboxRow[] = [];
    const events = createOutbox({
      database: opened.database,
      source: "/bazaar/customer",
      claimMs: relay.claimMs,
      onCommit: (committed) => (handed = committed),
    });
    const before = Date.now();
    await events.write(trace, async (_tx, emit) => {
      emit("bazaar.customer.deleted", { customer_id: 1 }, 1);
      emit("bazaar.customer.deleted", { customer_id: 2 }, 2);
    });
    // Claimed at the insert, for the relay's claim window: a pass (this replica's or another's) leaves them.
    const inserted = await outboxRows();
    expect(handed.map((row) => row.id)).toEqual(inserted.map((row) => row.id));
    for (const row of inserted) {
      expect(row.claimedUntil).toBeGreaterThanOrEqual(before + relay.claimMs!);
      expect(row.claimedUntil).toBeLessThanOrEqual(Date.now() + relay.claimMs!);
    }
    expect(await relay.flush()).toBe(0);
    expect(sink.received).toHaveLength(0);

    counted.writes = 0;
    const reads = vi.spyOn(opened.database.db, "select");
    expect(await relay.publishClaimed(handed)).toBe(2);
    expect(reads).not.toHaveBeenCalled();
    expect(counted.writes).toBe(1); // marking both sent
    expect(subjectsOf(sink.received).sort()).toEqual(["1", "2"]);
    expect(sink.received.map((r) => r.headers["ce-signaturekey"])).toEqual([
      keys.keyOf("customer").kid,
      keys.keyOf("customer").kid,
    ]);
    expect((await outboxRows()).every((r) => r.sentAt !== null)).toBe(true);
  });

  it("posts the rows of commits made while a fresh batch is in flight together, once it is over", async () => {
    const { sink } = sinkServer;
    let release!: () => void;
    sink.hold = new Promise((resolve) => (release = resolve));
    const counted = countingWrites(opened.database);
    const relay = relayTo(sink.url, counted);
    const published: Promise<number>[] = [];
    const events = createOutbox({
      database: opened.database,
      source: "/bazaar/customer",
      claimMs: relay.claimMs,
      onCommit: (committed) => published.push(relay.publishClaimed(committed)),
    });
    await writeThree(events); // the first commit's post is held; the next two wait for it
    release();
    expect(await Promise.all(published)).toEqual([1, 1, 1]);
    expect(counted.writes).toBe(2); // the first batch's mark, then the second's (two rows)
    expect(subjectsOf(sink.received)[0]).toBe("1");
    expect(subjectsOf(sink.received).slice(1).sort()).toEqual(["2", "3"]);
  });

  it("gives back what the sink refused right after a commit, and the tick sends it with the same id", async () => {
    const { sink } = sinkServer;
    sink.status = 500;
    const relay = relayTo(sink.url);
    let published = Promise.resolve(-1);
    const events = createOutbox({
      database: opened.database,
      source: "/bazaar/customer",
      claimMs: relay.claimMs,
      onCommit: (committed) => (published = relay.publishClaimed(committed)),
    });
    await events.write(trace, async (_tx, emit) => emit("bazaar.customer.deleted", { customer_id: 9 }, 9));
    expect(await published).toBe(0);
    expect((await outboxRows()).map((r) => [r.sentAt, r.attempts, r.claimedUntil])).toEqual([
      [null, 1, null],
    ]);

    sink.status = 202;
    expect(await relay.tick()).toBe(1);
    expect((await outboxRows()).every((r) => r.sentAt !== null)).toBe(true);
    const ids = sink.received.map((r) => r.headers["ce-id"]);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
  });

  it("leaves a commit's rows to their producer, and takes them once its claim ran out if it died before posting", async () => {
    const { sink } = sinkServer;
    const producer = createRelay({
      database: opened.database,
      sink: sink.url,
      signingKey: keys.keyOf("customer"),
      logger: createLogger("test", "silent"),
      metrics: createMetrics("customer"),
    });
    // The producer's replica commits, then dies before it posts: nothing takes its rows from onCommit.
    const events = createOutbox({
      database: opened.database,
      source: "/bazaar/customer",
      claimMs: producer.claimMs,
      onCommit: () => undefined,
    });
    await writeThree(events);
    const other = relayTo(sink.url);
    expect(await other.tick()).toBe(0);
    expect(sink.received).toHaveLength(0);

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + producer.claimMs! + 1);
    expect(await other.tick()).toBe(3);
    expect(subjectsOf(sink.received).sort()).toEqual(["1", "2", "3"]);
    expect((await outboxRows()).every((r) => r.sentAt !== null)).toBe(true);
    await producer.stop();
  });

  it("counts in its backlog the rows waiting for a post, not those a relay is posting", async () => {
    const { sink } = sinkServer;
    sink.status = 500;
    const relay = relayTo(sink.url);
    const claimedAtCommit = createOutbox({
      database: opened.database,
      source: "/bazaar/customer",
      claimMs: relay.claimMs,
      onCommit: () => undefined, // being posted, as far as the others know
    });
    await writeThree(claimedAtCommit);
    const waiting = createOutbox({
      database: opened.database,
      source: "/bazaar/customer",
      onCommit: () => undefined,
    });
    await waiting.write(trace, async (_tx, emit) => emit("bazaar.customer.deleted", { customer_id: 4 }, 4));

    expect(await relay.tick()).toBe(0); // the broker refused the one it could take: given back
    expect(subjectsOf(sink.received)).toEqual(["4"]);
    expect((await metrics.outboxBacklog.get()).values[0]?.value).toBe(1);
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
    expect(relayTo(undefined).claimMs).toBeUndefined(); // so the outbox writes its rows unclaimed
    expect(await relay!.flush()).toBe(0);
    expect((await outboxRows()).every((r) => r.sentAt === null)).toBe(true);
  });
});

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
