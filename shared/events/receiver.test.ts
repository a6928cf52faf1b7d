import { randomUUID } from "node:crypto";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Unavailable } from "../errors";
import { createHttpApp } from "../http/app";
import { createMetrics, type Metrics } from "../observability";
import { openTestDatabase, type TestDatabase } from "../testing/database";
import { eventKeysIn } from "../testing/events";
import type { EventData, EventType, Producer } from "./catalog";
import { createOutbox, toWireEvent } from "./outbox";
import { createEventReceiver, type EventHandlers } from "./receiver";
import { signEvent } from "./signature";
import { outbox, processedEvents } from "./tables";
import { toBinaryRequest, type WireEvent } from "./wire";

/** The JSON body of a response, read loosely: a wrong shape fails the assertion that reads it. */
const json = (response: Response): Promise<any> => response.json();

/** The effect of a handled event: one row per handling, so a second effect would show. */
const effects = sqliteTable("effects", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  orderId: integer("order_id").notNull(),
  kind: text("kind").notNull(),
});
const schema = { effects, outbox, processedEvents };
type Schema = typeof schema;

const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const keys = eventKeysIn();
let opened: TestDatabase<Schema>;
let metrics: Metrics;
/** What the handler of order.cancelled does next: apply, throw, or report stale. */
let behaviour: "apply" | "fail" | "unavailable" | "stale";
/** What the handler queues for after its commit; each run leaves the event's id in `ranAfterCommit`. */
let afterCommitWork: (id: string) => void | Promise<void>;
let ranAfterCommit: string[];
/** The log lines of the app, as JSON. */
let logLines: { level: number; msg: string; err?: { message: string } }[];

const handlers: EventHandlers<Schema> = {
  "bazaar.order.cancelled": async (event, { tx, emit, afterCommit }) => {
    await tx.insert(effects).values({ orderId: event.data.order_id, kind: "released" });
    afterCommit(() => afterCommitWork(event.id));
    if (behaviour === "fail") throw new Error("disk on fire");
    if (behaviour === "unavailable") throw new Unavailable("inventory db is busy");
    if (behaviour === "stale") return "stale";
    emit("bazaar.inventory.released", { order_id: event.data.order_id }, event.data.order_id);
    return "applied";
  },
};

function buildApp() {
  const app = createHttpApp({
    service: "inventory",
    logger: pino({ level: "info" }, { write: (line: string) => void logLines.push(JSON.parse(line)) }),
    metrics,
    bodyLimitBytes: 65536,
  });
  const events = createOutbox({
    database: opened.database,
    source: "/bazaar/inventory",
    onCommit: () => undefined,
  });
  app.route("/events", createEventReceiver({ outbox: events, handlers, metrics, keys: keys.keyring }));
  return app;
}

/** The event as the order function's relay would sign it; `change` alters it after signing (a forgery). */
function delivery<T extends EventType>(
  type: T,
  data: EventData<T>,
  overrides: { id?: string; signer?: Producer; change?: (event: WireEvent) => WireEvent } = {},
) {
  const row = {
    id: overrides.id ?? randomUUID(),
    type,
    source: "/bazaar/order",
    subject: "42",
    time: new Date().toISOString(),
    data: JSON.stringify(data),
    traceparent,
    correlationId: "checkout-42",
  };
  const signed = signEvent(toWireEvent(row), keys.keyOf(overrides.signer ?? "order"));
  const { headers, body } = toBinaryRequest(overrides.change?.(signed) ?? signed);
  return { method: "POST", headers, body: new TextDecoder().decode(body) };
}

const cancelled = (order_id = 42) => ({
  order_id,
  customer_id: 7,
  reason: "payment failed",
  previous_status: "reserved",
});
const effectRows = () => opened.database.db.select().from(effects);
const counterValue = async (counter: Metrics["eventsFailed"], type: string) =>
  (await counter.get()).values.find((v) => v.labels.type === type)?.value ?? 0;

beforeEach(async () => {
  opened = await openTestDatabase(schema);
  metrics = createMetrics("inventory");
  behaviour = "apply";
  ranAfterCommit = [];
  afterCommitWork = (id) => void ranAfterCommit.push(id);
  logLines = [];
});
afterEach(() => opened.dispose());

describe("createEventReceiver", () => {
  it("applies an event once, commits the events it causes with the trace continued, and answers 202", async () => {
    const response = await buildApp().request("/events", delivery("bazaar.order.cancelled", cancelled()));
    expect(response.status).toBe(202);
    expect(response.headers.get("x-bazaar-outcome")).toBe("applied");
    expect(await effectRows()).toHaveLength(1);
    const [caused] = await opened.database.db.select().from(outbox);
    expect(caused).toMatchObject({
      type: "bazaar.inventory.released",
      subject: "42",
      correlationId: "checkout-42",
    });
    expect(caused!.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(caused!.traceparent).not.toBe(traceparent);
    expect(await counterValue(metrics.eventsReceived, "bazaar.order.cancelled")).toBe(1);
  });

  it("answers a duplicate (same source and id) with 202 and no second effect", async () => {
    const app = buildApp();
    const id = randomUUID();
    const first = await app.request("/events", delivery("bazaar.order.cancelled", cancelled(), { id }));
    const second = await app.request("/events", delivery("bazaar.order.cancelled", cancelled(), { id }));
    expect(first.headers.get("x-bazaar-outcome")).toBe("applied");
    expect(second.status).toBe(202);
    expect(second.headers.get("x-bazaar-outcome")).toBe("duplicate");
    expect(await effectRows()).toHaveLength(1);
    expect(await opened.database.db.select().from(outbox)).toHaveLength(1);
    expect(await counterValue(metrics.eventsDuplicate, "bazaar.order.cancelled")).toBe(1);
  });

  it("applies an event delivered twice at the same moment only once", async () => {
    const app = buildApp();
    const id = randomUUID();
    const answers = await Promise.all(
      [1, 2].map(() => app.request("/events", delivery("bazaar.order.cancelled", cancelled(), { id }))),
    );
    expect(answers.map((r) => r.headers.get("x-bazaar-outcome")).sort()).toEqual(["applied", "duplicate"]);
    expect(await effectRows()).toHaveLength(1);
  });

  it("answers 202 stale for an event that changes nothing, and remembers it", async () => {
    behaviour = "stale";
    const app = buildApp();
    const response = await app.request("/events", delivery("bazaar.order.cancelled", cancelled()));
    expect(response.status).toBe(202);
    expect(response.headers.get("x-bazaar-outcome")).toBe("stale");
    expect(await opened.database.db.select().from(processedEvents)).toHaveLength(1);
    expect(await counterValue(metrics.eventsStale, "bazaar.order.cancelled")).toBe(1);
  });

  it("answers 500 when the handler fails, rolls its effect back, and applies the retry", async () => {
    const app = buildApp();
    const id = randomUUID();
    behaviour = "fail";
    const failed = await app.request("/events", delivery("bazaar.order.cancelled", cancelled(), { id }));
    expect(failed.status).toBe(500);
    expect(await failed.text()).not.toContain("disk on fire");
    expect(await effectRows()).toEqual([]);
    expect(await opened.database.db.select().from(processedEvents)).toEqual([]);
    expect(await counterValue(metrics.eventsFailed, "bazaar.order.cancelled")).toBe(1);

    behaviour = "apply";
    const retried = await app.request("/events", delivery("bazaar.order.cancelled", cancelled(), { id }));
    expect(retried.headers.get("x-bazaar-outcome")).toBe("applied");
    expect(await effectRows()).toHaveLength(1);
  });

  it("answers 503 for transient trouble (Unavailable)", async () => {
    behaviour = "unavailable";
    const response = await buildApp().request("/events", delivery("bazaar.order.cancelled", cancelled()));
    expect(response.status).toBe(503);
    expect((await json(response)).detail).toContain("inventory db is busy");
  });

  it("answers 5xx for a catalog type this function has no handler for", async () => {
    const response = await buildApp().request(
      "/events",
      delivery("bazaar.order.rejected", { order_id: 1, customer_id: 7, reason: "x" }),
    );
    expect(response.status).toBe(500);
    expect((await json(response)).detail).toContain("does not handle bazaar.order.rejected");
  });

  it("answers 5xx for data that does not match the catalog", async () => {
    const request = delivery("bazaar.order.cancelled", { order_id: "forty-two" } as never);
    const response = await buildApp().request("/events", request);
    expect(response.status).toBe(500);
    expect((await json(response)).detail).toContain("order_id");
    expect(await effectRows()).toEqual([]);
  });

  it("answers 400 for a request that is not a CloudEvent at all", async () => {
    const response = await buildApp().request("/events", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ order_id: 42 }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });

  it("answers 5xx for a broken CloudEvent its producer signed, so it is dead-lettered rather than lost", async () => {
    const broken = (event: WireEvent) => ({
      attributes: event.attributes,
      data: new TextEncoder().encode("{not json"),
    });
    const resigned = (event: WireEvent) => signEvent(broken(event), keys.keyOf("order"));
    const response = await buildApp().request(
      "/events",
      delivery("bazaar.order.cancelled", cancelled(), { change: resigned }),
    );
    expect(response.status).toBe(500);
    expect((await json(response)).detail).toMatch(
      /^event rejected: invalid data for bazaar.order.cancelled: not JSON/,
    );
    expect(await counterValue(metrics.eventsFailed, "bazaar.order.cancelled")).toBe(1);
    // The same bytes without its producer's signature are refused before they are read as JSON.
    const forged = await buildApp().request(
      "/events",
      delivery("bazaar.order.cancelled", cancelled(), { change: broken }),
    );
    expect(forged.status).toBe(403);
  });

  it("accepts structured mode", async () => {
    const { attributes } = signEvent(
      {
        attributes: {
          specversion: "1.0",
          id: randomUUID(),
          type: "bazaar.order.cancelled",
          source: "/bazaar/order",
          datacontenttype: "application/json",
        },
        data: new TextEncoder().encode(JSON.stringify(cancelled(43))),
      },
      keys.keyOf("order"),
    );
    const response = await buildApp().request("/events", {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json" },
      body: JSON.stringify({ ...attributes, data: cancelled(43) }),
    });
    expect(response.status).toBe(202);
    expect(await effectRows()).toEqual([{ id: 1, orderId: 43, kind: "released" }]);
  });
});

describe("work a handler queues with afterCommit", () => {
  const deliverWithId = (app: ReturnType<typeof buildApp>, id: string) =>
    app.request("/events", delivery("bazaar.order.cancelled", cancelled(), { id }));
  const errorsLogged = () => logLines.filter((line) => line.msg === "work after the commit failed");

  it("runs once the handling committed, and not for a duplicate (the handler does not run again)", async () => {
    const app = buildApp();
    const id = randomUUID();
    expect((await deliverWithId(app, id)).headers.get("x-bazaar-outcome")).toBe("applied");
    expect(ranAfterCommit).toEqual([id]);
    expect((await deliverWithId(app, id)).headers.get("x-bazaar-outcome")).toBe("duplicate");
    expect(ranAfterCommit).toEqual([id]);
  });

  it("runs for a stale event too: what the handler queued is part of what committed", async () => {
    behaviour = "stale";
    const id = randomUUID();
    await deliverWithId(buildApp(), id);
    expect(ranAfterCommit).toEqual([id]);
  });

  it("never runs when the handling rolls back, and runs once for the retry that commits", async () => {
    const app = buildApp();
    const id = randomUUID();
    behaviour = "fail";
    expect((await deliverWithId(app, id)).status).toBe(500);
    expect(ranAfterCommit).toEqual([]);
    behaviour = "apply";
    expect((await deliverWithId(app, id)).status).toBe(202);
    expect(ranAfterCommit).toEqual([id]);
  });

  it("never runs when the commit itself fails (a deferred constraint checked at COMMIT)", async () => {
    const { client } = opened.database;
    await client.execute(
      "CREATE TABLE commit_guard (ref integer REFERENCES effects(id) DEFERRABLE INITIALLY DEFERRED)",
    );
    await client.execute(
      "CREATE TRIGGER break_commit AFTER INSERT ON processed_events BEGIN INSERT INTO commit_guard VALUES (-1); END",
    );
    const response = await deliverWithId(buildApp(), randomUUID());
    expect(response.status).toBe(500);
    expect(await effectRows()).toEqual([]);
    expect(ranAfterCommit).toEqual([]);
  });

  it("logs work that throws and still acknowledges the committed event (202 applied, no retry)", async () => {
    afterCommitWork = () => {
      throw new Error("metrics registry gone");
    };
    const id = randomUUID();
    const app = buildApp();
    const response = await deliverWithId(app, id);
    expect([response.status, response.headers.get("x-bazaar-outcome")]).toEqual([202, "applied"]);
    expect(await effectRows()).toHaveLength(1);
    expect(errorsLogged().map((line) => line.err?.message)).toEqual(["metrics registry gone"]);
    expect(await counterValue(metrics.eventsFailed, "bazaar.order.cancelled")).toBe(0);
    // The broker's redelivery meets the dedupe: the effect stays single.
    expect((await deliverWithId(app, id)).headers.get("x-bazaar-outcome")).toBe("duplicate");
  });

  it("takes whatever synchronous work returns as done, such as a counter's own answer", async () => {
    afterCommitWork = () => metrics.eventsReceived.inc({ type: "after-commit" });
    const response = await deliverWithId(buildApp(), randomUUID());
    expect(response.headers.get("x-bazaar-outcome")).toBe("applied");
    await new Promise((resolve) => setImmediate(resolve));
    expect(errorsLogged()).toEqual([]);
    expect(await counterValue(metrics.eventsReceived, "after-commit")).toBe(1);
  });

  it("logs work whose promise rejects, without the answer waiting for it", async () => {
    afterCommitWork = () => Promise.reject(new Error("settler unreachable"));
    const response = await deliverWithId(buildApp(), randomUUID());
    expect([response.status, response.headers.get("x-bazaar-outcome")]).toEqual([202, "applied"]);
    await new Promise((resolve) => setImmediate(resolve)); // the rejection's handler has run by now
    expect(errorsLogged().map((line) => line.err?.message)).toEqual(["settler unreachable"]);
  });
});

describe("createEventReceiver refuses what its producer did not sign", () => {
  const refusedCount = async (reason: string) =>
    (await metrics.eventsRefused.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

  /** A forged delivery must be answered 403 (not retried), change nothing and be counted. */
  async function expectRefused(request: ReturnType<typeof delivery>, reason: string) {
    const response = await buildApp().request("/events", request);
    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect((await json(response)).detail).toBe(`event refused: ${reason}`);
    expect(await effectRows()).toEqual([]);
    expect(await opened.database.db.select().from(processedEvents)).toEqual([]);
    expect(await opened.database.db.select().from(outbox)).toEqual([]);
    expect(await refusedCount(reason)).toBe(1);
  }
  const without = (event: WireEvent, name: string): WireEvent => {
    const { [name]: _dropped, ...attributes } = event.attributes;
    return { attributes, data: event.data };
  };
  const withAttribute = (name: string, value: string) => (event: WireEvent) => ({
    attributes: { ...event.attributes, [name]: value },
    data: event.data,
  });

  it("refuses an event without a signature", async () => {
    const unsigned = (event: WireEvent) => without(without(event, "signature"), "signaturekey");
    await expectRefused(delivery("bazaar.order.cancelled", cancelled(), { change: unsigned }), "unsigned");
  });

  it("refuses an event from a source that is not its type's producer, however signed", async () => {
    const change = withAttribute("source", "/bazaar/payment");
    await expectRefused(
      delivery("bazaar.order.cancelled", cancelled(), { signer: "payment", change }),
      "wrong source",
    );
  });

  it("refuses an event signed by another producer's key under the rightful source", async () => {
    await expectRefused(
      delivery("bazaar.order.cancelled", cancelled(), { signer: "payment" }),
      "key of another producer",
    );
  });

  it("refuses a key id no producer has", async () => {
    const change = withAttribute("signaturekey", "no-such-key");
    await expectRefused(delivery("bazaar.order.cancelled", cancelled(), { change }), "unknown key");
  });

  it("refuses a type that is not in the catalog: no function may emit it", async () => {
    const change = withAttribute("type", "bazaar.order.teleported");
    await expectRefused(delivery("bazaar.order.cancelled", cancelled(), { change }), "unknown type");
  });

  it.each([
    ["id", randomUUID()],
    ["type", "bazaar.order.rejected"],
    ["subject", "43"],
    ["time", "2099-01-01T00:00:00.000Z"],
    ["datacontenttype", "text/plain"],
    ["correlationid", "someone-else"],
    ["signature", Buffer.alloc(64).toString("base64url")],
  ])("refuses the event once its signed attribute %s is changed", async (name, value) => {
    await expectRefused(
      delivery("bazaar.order.cancelled", cancelled(), { change: withAttribute(name, value) }),
      "bad signature",
    );
  });

  it("refuses the event when its data differs from the signed bytes by one byte, or loses an attribute", async () => {
    const oneByte = (event: WireEvent) => {
      const data = Uint8Array.from(event.data);
      data[data.indexOf("2".charCodeAt(0))] = "3".charCodeAt(0); // order 42 becomes order 43
      return { attributes: event.attributes, data };
    };
    await expectRefused(
      delivery("bazaar.order.cancelled", cancelled(), { change: oneByte }),
      "bad signature",
    );
    const noSubject = (event: WireEvent) => without(event, "subject");
    const response = await buildApp().request(
      "/events",
      delivery("bazaar.order.cancelled", cancelled(), { change: noSubject }),
    );
    expect(response.status).toBe(403);
  });

  it("accepts the same instant written another way, and a traceparent a tracing hop rewrote", async () => {
    const reformatted = (event: WireEvent) => ({
      attributes: {
        ...event.attributes,
        time: (event.attributes["time"] ?? "").replace(/\.(\d+)Z$/, (_all, ms: string) => `.${ms}000Z`),
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      },
      data: event.data,
    });
    const response = await buildApp().request(
      "/events",
      delivery("bazaar.order.cancelled", cancelled(), { change: reformatted }),
    );
    expect(response.status).toBe(202);
    expect(await effectRows()).toHaveLength(1);
  });
});
