/**
 * Draws one trace as a waterfall (SVG): a row per span, nested under its parent, a bar from its start to its
 * end on one time axis, coloured by the function that made it. The picture of one order's trace in
 * docs/operations.md is this, drawn from the spans of a real run:
 *
 *   TRACE_DUMP=docs/trace-order.json npx vitest run tests/tracing.test.ts -t embedded
 *   npx tsx scripts/trace-waterfall.ts docs/trace-order.json docs/trace-order.svg
 *
 * The input is what tests/tracing.test.ts writes: the spans of one trace as shared/testing/otlp.ts reads them
 * from OTLP (times in nanoseconds, as strings).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

export interface WaterfallSpan {
  service: string;
  spanId: string;
  parentSpanId?: string | undefined;
  name: string;
  kind: number;
  startNs: string;
  endNs: string;
  status?: number;
}

/** One colour per function, in the order an order's saga meets them. */
const COLOURS: Record<string, string> = {
  gateway: "#4e79a7",
  order: "#f28e2b",
  broker: "#9c755f",
  inventory: "#59a14f",
  payment: "#e15759",
  shipping: "#76b7b2",
  notification: "#b07aa1",
  customer: "#edc948",
  "dead-letters": "#bab0ac",
};
const KINDS = ["", "internal", "server", "client", "producer", "consumer"];

/** The picture's title (docs/operations.md, Traces). */
export const TITLE = "One order placed through the gateway: one trace across every function and the broker";

const ROW = 18;
const LABEL = 440;
const BARS = 620;
const TOP = 64;
const MARGIN = 12;

const escape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The spans in the order a waterfall shows them: each parent, then its children by start time. */
export function rowsOf(spans: WaterfallSpan[]): { span: WaterfallSpan; depth: number }[] {
  const ids = new Set(spans.map((span) => span.spanId));
  const children = new Map<string, WaterfallSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : "";
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const rows: { span: WaterfallSpan; depth: number }[] = [];
  const visit = (parent: string, depth: number): void => {
    const ordered = (children.get(parent) ?? []).sort((a, b) =>
      BigInt(a.startNs) < BigInt(b.startNs) ? -1 : 1,
    );
    for (const span of ordered) {
      rows.push({ span, depth });
      visit(span.spanId, depth + 1);
    }
  };
  visit("", 0);
  return rows;
}

/** A round step for the axis: about 8 ticks over the trace. */
function tickStep(totalMs: number): number {
  const rough = totalMs / 8;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((f) => f * power).find((step) => step >= rough) ?? 10 * power;
}

export function waterfallSvg(spans: WaterfallSpan[], title: string): string {
  const rows = rowsOf(spans);
  const start = spans.reduce(
    (min, span) => (BigInt(span.startNs) < min ? BigInt(span.startNs) : min),
    BigInt(spans[0]?.startNs ?? 0),
  );
  const end = spans.reduce((max, span) => (BigInt(span.endNs) > max ? BigInt(span.endNs) : max), start);
  const totalMs = Number(end - start) / 1e6;
  const x = (ns: string): number => LABEL + (Number(BigInt(ns) - start) / 1e6 / totalMs) * BARS;
  const present = new Set(spans.map((span) => span.service));
  const services = [
    ...Object.keys(COLOURS).filter((name) => present.has(name)),
    ...[...present].filter((name) => !(name in COLOURS)),
  ];
  const width = LABEL + BARS + 70;
  const height = TOP + rows.length * ROW + 40;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN}" y="20" font-size="14" font-weight="600">${escape(title)}</text>`,
    `<text x="${MARGIN}" y="38" fill="#555">${rows.length} spans, ${services.length} processes, ${totalMs.toFixed(0)} ms from the first span's start to the last span's end; a row per span, under its parent</text>`,
  ];
  // Legend.
  let legendX = MARGIN;
  for (const service of services) {
    parts.push(
      `<rect x="${legendX}" y="46" width="10" height="10" rx="2" fill="${COLOURS[service] ?? "#888"}"/>`,
      `<text x="${legendX + 14}" y="55">${escape(service)}</text>`,
    );
    legendX += 22 + service.length * 6.5;
  }
  // Axis and grid.
  const step = tickStep(totalMs);
  for (let ms = 0; ms <= totalMs; ms += step) {
    const tx = LABEL + (ms / totalMs) * BARS;
    parts.push(
      `<line x1="${tx.toFixed(1)}" y1="${TOP - 4}" x2="${tx.toFixed(1)}" y2="${TOP + rows.length * ROW}" stroke="#e5e5e5"/>`,
      `<text x="${tx.toFixed(1)}" y="${TOP + rows.length * ROW + 14}" text-anchor="middle" fill="#555">${ms} ms</text>`,
    );
  }
  rows.forEach(({ span, depth }, index) => {
    const y = TOP + index * ROW;
    if (index % 2 === 1) parts.push(`<rect x="0" y="${y}" width="${width}" height="${ROW}" fill="#f7f7f7"/>`);
    const colour = COLOURS[span.service] ?? "#888";
    const label = `${span.service} · ${span.name}`;
    parts.push(
      `<text x="${MARGIN + depth * 8}" y="${y + 13}"><tspan fill="${colour}" font-weight="600">${escape(span.service)}</tspan> ${escape(span.name)}<tspan fill="#999"> ${KINDS[span.kind] ?? ""}</tspan></text>`,
    );
    const x1 = x(span.startNs);
    const barWidth = Math.max(1.5, x(span.endNs) - x1);
    const ms = Number(BigInt(span.endNs) - BigInt(span.startNs)) / 1e6;
    parts.push(
      `<rect x="${x1.toFixed(1)}" y="${y + 4}" width="${barWidth.toFixed(1)}" height="${ROW - 8}" rx="2" fill="${colour}"${span.status === 2 ? ' stroke="#d00" stroke-width="1.5"' : ""}><title>${escape(label)}: ${ms.toFixed(1)} ms</title></rect>`,
      `<text x="${(x1 + barWidth + 4).toFixed(1)}" y="${y + 13}" fill="#555">${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    process.stderr.write("usage: tsx scripts/trace-waterfall.ts <spans.json> <out.svg> [title]\n");
    process.exit(64); // EX_USAGE
  }
  const spans = JSON.parse(readFileSync(input, "utf8")) as WaterfallSpan[];
  const title = process.argv[4] ?? TITLE;
  writeFileSync(output, waterfallSvg(spans, title));
  process.stdout.write(`${output}: ${spans.length} spans\n`);
}
