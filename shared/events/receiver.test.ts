import { randomUUID } from "node:crypto";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../testing/database";
import { Unavailable } from "../errors";
import { createHttpApp } from "../http/app";
import { createLogger, createMetrics, type Metrics } from "../observability";
import type { EventData, EventType } from "./catalog";
import { toBinaryMessage } from "./encoding";
import { createOutbox } from "./outbox";
import { createEventReceiver, type EventHandlers } from "./receiver";
import { outbox, processedEvents } from "./tables";

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
let opened: TestDatabase<Schema>;
let metrics: Metrics;
/** What the handler of order.cancelled does next: apply, throw, or report stale. */
let behaviour: "apply" | "fail" | "unavailable" | "stale";

const handlers: EventHandlers<Schema> = {
  "bazaar.order.cancelled": async (event, { tx, emit }) => {
    await tx.insert(effects).values({ orderId: event.data.order_id, kind: "released" });
    if (behaviour === "fail") throw new Error("disk on fire");
    if (behaviour === "unavailable") throw new Unavailable("inventory db is busy");
    if (behaviour === "stale") return "stale";
    emit("bazaar.inventory.released", { order_id: event.data.order_id }, event.data.order_id);
    return undefined;
  },
};

function buildApp() {
  const app = createHttpApp({
    service: "inventory",
    logger: createLogger("test", "silent"),
    metrics,
    bodyLimitBytes: 65536,
  });
  const events = createOutbox({
    database: opened.database,
    source: "/bazaar/inventory",
    onCommit: () => undefined,
  });
  app.route("/events", createEventReceiver({ outbox: events, handlers, metrics }));
  return app;
}

function delivery<T extends EventType>(
  type: T,
  data: EventData<T>,
  overrides: { id?: string; source?: string } = {},
) {
  const { headers, body } = toBinaryMessage({
    id: overrides.id ?? randomUUID(),
    type,
    source: overrides.source ?? "/bazaar/order",
    subject: "42",
    time: new Date().toISOString(),
    data: JSON.stringify(data),
    traceparent,
    correlationid: "checkout-42",
  });
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

  it("treats the same id from another source as a different event", async () => {
    const app = buildApp();
    const id = randomUUID();
    await app.request("/events", delivery("bazaar.order.cancelled", cancelled(), { id }));
    const other = await app.request(
      "/events",
      delivery("bazaar.order.cancelled", cancelled(), { id, source: "/bazaar/elsewhere" }),
    );
    expect(other.headers.get("x-bazaar-outcome")).toBe("applied");
    expect(await effectRows()).toHaveLength(2);
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

  it("answers 5xx for an unknown type, so the broker retries and dead-letters it", async () => {
    const request = delivery("bazaar.order.cancelled", cancelled());
    request.headers["ce-type"] = "bazaar.order.teleported";
    const response = await buildApp().request("/events", request);
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await effectRows()).toEqual([]);
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
    const request = delivery("bazaar.order.cancelled", cancelled());
    request.body = JSON.stringify({ order_id: "forty-two" });
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

  it("answers 5xx for a broken CloudEvent, so it is dead-lettered rather than acknowledged and lost", async () => {
    const request = delivery("bazaar.order.cancelled", cancelled());
    request.body = "{not json";
    const response = await buildApp().request("/events", request);
    expect(response.status).toBe(500);
    expect((await json(response)).detail).toMatch(/^event rejected/);
    expect(await counterValue(metrics.eventsFailed, "bazaar.order.cancelled")).toBe(1);
  });

  it("accepts structured mode", async () => {
    const response = await buildApp().request("/events", {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json" },
      body: JSON.stringify({
        specversion: "1.0",
        id: randomUUID(),
        type: "bazaar.order.cancelled",
        source: "/bazaar/order",
        datacontenttype: "application/json",
        data: cancelled(43),
      }),
    });
    expect(response.status).toBe(202);
    expect(await effectRows()).toEqual([{ id: 1, orderId: 43, kind: "released" }]);
  });
});
