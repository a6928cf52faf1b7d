import { describe, expect, it } from "vitest";
import { correlationIdFrom, nextTraceparent, traceIdOf } from "./tracing";

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("nextTraceparent", () => {
  it("continues a valid trace: same trace id and flags, new span id", () => {
    const next = nextTraceparent(incoming);
    expect(next).toMatch(TRACEPARENT);
    expect(traceIdOf(next)).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(next.split("-")[2]).not.toBe("00f067aa0ba902b7");
    expect(next.endsWith("-01")).toBe(true);
    expect(traceIdOf(nextTraceparent(incoming.replace(/-01$/, "-00")))).toBe(
      "4bf92f3577b34da6a3ce929d0e0e4736",
    );
  });

  it("accepts upper case and surrounding space", () => {
    expect(traceIdOf(nextTraceparent(` ${incoming.toUpperCase()} `))).toBe(
      "4bf92f3577b34da6a3ce929d0e0e4736",
    );
  });

  it("starts a new trace when there is none or it is malformed", () => {
    for (const bad of [
      undefined,
      null,
      "",
      "garbage",
      `01-${incoming.slice(3)}`,
      `00-${"0".repeat(32)}-00f067aa0ba902b7-01`,
    ]) {
      const next = nextTraceparent(bad);
      expect(next).toMatch(TRACEPARENT);
      expect(traceIdOf(next)).not.toBe("4bf92f3577b34da6a3ce929d0e0e4736");
      expect(traceIdOf(next)).not.toMatch(/^0+$/);
    }
    expect(traceIdOf(nextTraceparent(undefined))).not.toBe(traceIdOf(nextTraceparent(undefined)));
  });

  it("never hands out the same ids twice, across many refills of its random pool", () => {
    const traces = Array.from({ length: 2000 }, () => nextTraceparent(undefined));
    expect(new Set(traces.map(traceIdOf)).size).toBe(2000);
    expect(new Set(traces.map((t) => t.split("-")[2])).size).toBe(2000);
    for (const trace of traces) expect(trace).toMatch(TRACEPARENT);
  });
});

describe("correlationIdFrom", () => {
  it("keeps a short, plain id", () => {
    expect(correlationIdFrom("order-42:checkout.v1")).toBe("order-42:checkout.v1");
  });

  it("replaces a missing, long or unsafe id with a UUID", () => {
    for (const bad of [undefined, null, "", "a".repeat(129), "bad id", "x\r\nset-cookie: y", "<script>"]) {
      expect(correlationIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
