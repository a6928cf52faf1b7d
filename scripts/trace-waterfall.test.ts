import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rowsOf, TITLE, waterfallSvg, type WaterfallSpan } from "./trace-waterfall";

const span = (
  spanId: string,
  parentSpanId: string | undefined,
  startMs: number,
  endMs: number,
): WaterfallSpan => ({
  service: "order",
  spanId,
  parentSpanId,
  name: `span ${spanId}`,
  kind: 2,
  startNs: String(BigInt(startMs) * 1_000_000n + 1_700_000_000_000_000_000n),
  endNs: String(BigInt(endMs) * 1_000_000n + 1_700_000_000_000_000_000n),
});

describe("the trace waterfall", () => {
  it("puts every span under its parent, children by start time", () => {
    const rows = rowsOf([
      span("c", "a", 5, 6),
      span("b", "a", 1, 2),
      span("a", undefined, 0, 10),
      span("d", "b", 1, 2),
    ]);
    expect(rows.map(({ span, depth }) => `${span.spanId}${depth}`)).toEqual(["a0", "b1", "d2", "c1"]);
  });

  it("draws a bar per span on one time axis", () => {
    const svg = waterfallSvg([span("a", undefined, 0, 100), span("b", "a", 50, 100)], "A <trace>");
    expect(svg.match(/<rect [^>]*rx="2" fill/g)).toHaveLength(2 + 1); // two bars and the legend's swatch
    expect(svg).toContain("A &lt;trace&gt;");
    expect(svg).toContain("100 ms");
  });

  it("is what docs/operations.md shows: docs/trace-order.svg drawn from docs/trace-order.json, one trace of the saga", () => {
    const docs = join(import.meta.dirname, "../docs");
    const spans = JSON.parse(readFileSync(join(docs, "trace-order.json"), "utf8")) as (WaterfallSpan & {
      traceId: string;
    })[];
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    expect([...new Set(spans.map((s) => s.service))].sort()).toEqual([
      "broker",
      "gateway",
      "inventory",
      "notification",
      "order",
      "payment",
      "shipping",
    ]);
    const svg = readFileSync(join(docs, "trace-order.svg"), "utf8");
    expect(svg).toBe(waterfallSvg(spans, TITLE));
  });
});
