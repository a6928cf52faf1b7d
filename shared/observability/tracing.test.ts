import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tracingSettingsOf } from "../config";
import { createHttpApp, send } from "../http";
import { KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../testing/otlp";
import { createMetrics } from "./metrics";
import {
  detached,
  inSpan,
  linksToOtherTrace,
  SpanKind,
  spanContextOf,
  startSpan,
  startTracing,
  traceparentOf,
  tracingOn,
  withSpan,
  type Tracing,
} from "./tracing";

const PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const logger = pino({ level: "silent" });

let receiver: OtlpReceiver;
let tracing: Tracing;

/** The span `found` looks for, once the exporter has delivered it (the batch delay is 20 ms). */
async function exported(found: (span: ReceivedSpan) => boolean): Promise<ReceivedSpan | undefined> {
  for (let i = 0; i < 100; i++) {
    const span = receiver.spans.find(found);
    if (span) return span;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}
const spanNamed = (name: string) => exported((span) => span.name === name);
const spanWithId = (id: string | undefined) => exported((span) => span.spanId === id);

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  expect(tracingOn()).toBe(false);
  tracing = await startTracing(
    tracingSettingsOf({
      K_SERVICE: "unit",
      K_REVISION: "unit-00007",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: 20,
    }),
    logger,
  );
});
afterAll(async () => {
  await tracing?.shutdown();
  await receiver?.close();
});

describe("tracing with the SDK started", () => {
  it("is on, and exports spans with the function's name and revision as resource", async () => {
    expect(tracingOn()).toBe(true);
    startSpan({ name: "first" })?.end();
    expect((await spanNamed("first"))?.resource).toMatchObject({
      "service.name": "unit",
      "service.version": "unit-00007",
      "service.namespace": "bazaar",
    });
  });

  it("continues a W3C traceparent, and says its own in the same form", async () => {
    const span = startSpan({ name: "child", kind: SpanKind.SERVER }, PARENT);
    const traceparent = traceparentOf(span!);
    span!.end();
    expect(traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(spanContextOf(traceparent)).toMatchObject({ isRemote: true, traceFlags: 1 });
    expect(await spanNamed("child")).toMatchObject({ parentSpanId: "00f067aa0ba902b7", kind: KIND.server });
    expect(spanContextOf("00-" + "0".repeat(32) + "-00f067aa0ba902b7-01")).toBeUndefined();
    expect(spanContextOf("garbage")).toBeUndefined();
  });

  it("starts a trace of its own for a request from outside, but a child of the active span for a call", () => {
    const outer = startSpan({ name: "outer" })!;
    withSpan(outer, () => {
      expect(startSpan({ name: "root" }, undefined, "root")!.spanContext().traceId).not.toBe(
        outer.spanContext().traceId,
      );
      expect(startSpan({ name: "inner" })!.spanContext().traceId).toBe(outer.spanContext().traceId);
      expect(detached(() => startSpan({ name: "detached" })!.spanContext().traceId)).not.toBe(
        outer.spanContext().traceId,
      );
    });
    outer.end();
  });

  it("traces a transaction only within a trace: background work makes none of its own", async () => {
    await inSpan({ name: "lonely" }, async () => 1, { withinTrace: true });
    const outer = startSpan({ name: "work" })!;
    await withSpan(outer, () => inSpan({ name: "nested" }, async () => 2, { withinTrace: true }));
    await expect(
      withSpan(outer, () =>
        inSpan({ name: "failing" }, () => Promise.reject(new Error("no")), { withinTrace: true }),
      ),
    ).rejects.toThrow("no");
    outer.end();
    await spanWithId(outer.spanContext().spanId);
    expect(receiver.spans.some((span) => span.name === "lonely")).toBe(false);
    expect((await spanNamed("nested"))?.parentSpanId).toBe(outer.spanContext().spanId);
    expect(await spanNamed("failing")).toMatchObject({ status: 2, attributes: { "error.type": "Error" } });
  });

  it("links to an event's producer only when the event comes from another trace", () => {
    const active = startSpan({ name: "delivery" }, PARENT)!;
    withSpan(active, () => {
      expect(linksToOtherTrace(PARENT)).toBeUndefined();
      const other = "00-11111111111111111111111111111111-2222222222222222-01";
      expect(linksToOtherTrace(other)?.[0]?.context.traceId).toBe("11111111111111111111111111111111");
    });
    active.end();
  });
});

describe("the app factory with tracing on", () => {
  const app = createHttpApp({
    service: "unit",
    logger,
    metrics: createMetrics("unit"),
    bodyLimitBytes: 1024,
  });
  app.get("/things/:id", (c) => c.json({ traceparent: c.get("traceparent") }));
  app.get("/broken", () => {
    throw new Error("boom");
  });

  it("serves each request in a server span named by its route, a child of the caller's traceparent", async () => {
    const answer = await app.request("/things/7", { headers: { traceparent: PARENT } });
    const { traceparent } = (await answer.json()) as { traceparent: string };
    const span = await spanWithId(spanContextOf(traceparent)?.spanId);
    expect(span).toMatchObject({
      name: "GET /things/:id",
      kind: KIND.server,
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      parentSpanId: "00f067aa0ba902b7",
      attributes: {
        "http.request.method": "GET",
        "http.route": "/things/:id",
        "http.response.status_code": 200,
      },
    });
  });

  it("marks a 5xx answer as an error, and leaves health and metrics untraced", async () => {
    expect((await app.request("/broken")).status).toBe(500);
    expect((await app.request("/healthz")).status).toBe(200);
    expect(await spanNamed("GET /broken")).toMatchObject({ status: 2, attributes: { "error.type": "500" } });
    expect(receiver.spans.some((span) => span.name.includes("/healthz"))).toBe(false);
  });
});

describe("an outbound call with tracing on", () => {
  let seen: IncomingHttpHeaders[];
  let url: string;
  const server = createServer((request, response) => {
    seen.push(request.headers);
    request.resume().on("end", () => response.writeHead(202).end());
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const event = { "ce-id": "e-1", "ce-traceparent": PARENT, traceparent: PARENT };

  it("is a client span, a child of the traceparent it was given, and sends its own", async () => {
    seen = [];
    await send(url, { method: "POST", headers: event, body: "{}", timeoutMs: 1000 });
    const sent = seen[0]!;
    expect(sent.traceparent).not.toBe(PARENT);
    expect(sent["ce-traceparent"]).toBe(PARENT); // a broker's delivery leaves the event's producer context
    const span = await spanWithId(spanContextOf(sent.traceparent as string)?.spanId);
    expect(span).toMatchObject({
      name: "POST",
      kind: KIND.client,
      parentSpanId: "00f067aa0ba902b7",
      attributes: {
        "http.request.method": "POST",
        "http.response.status_code": 202,
        "server.address": "127.0.0.1",
      },
    });
  });

  it("as a producer's, it is also the context of the CloudEvent it sends", async () => {
    seen = [];
    const span = () => ({ name: "send bazaar.order.placed", kind: SpanKind.PRODUCER });
    await send(url, { method: "POST", headers: event, body: "{}", timeoutMs: 1000, span });
    expect(seen[0]!["ce-traceparent"]).toBe(seen[0]!.traceparent);
    expect(seen[0]!.traceparent).not.toBe(PARENT);
  });
});
