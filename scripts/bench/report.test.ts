import { describe, expect, it } from "vitest";
import { renderChart } from "./chart";
import type { HttpCase } from "./http-paths";
import type { PipelineResult } from "./pipeline";
import { chartPanels, generatedSection } from "./report";
import { ran, type BenchResults } from "./results";

const load = (requestsPerSecond: number) => ({
  requests: requestsPerSecond * 10,
  requestsPerSecond,
  p50Ms: 1,
  p99Ms: 5,
  errors: 0,
  non2xx: 0,
  cpuMsPerRequest: { gateway: 0.5 },
});
const httpCase = (id: string, rps: number, target?: number): HttpCase => ({
  id,
  label: id,
  request: "GET /api/products",
  result: load(rps),
  baseline: load(10_000),
  ratio: rps / 10_000,
  ...(target !== undefined && { target }),
});
const pipeline: PipelineResult = {
  mode: "embedded",
  saturation: {
    placed: 3000,
    placeErrors: 0,
    confirmed: 3000,
    seconds: 10,
    ordersPerSecond: 300,
    p50Ms: 90,
    p99Ms: 400,
    maxMs: 500,
  },
  halfRate: 150,
  half: {
    placed: 1500,
    placeErrors: 0,
    confirmed: 1500,
    seconds: 10,
    ordersPerSecond: 150,
    p50Ms: 40,
    p99Ms: 300,
    maxMs: 320,
  },
  lost: 0,
  deadLettered: 0,
  outboxBacklog: 0,
  eventsPerOrder: 7,
  cpuMsPerOrder: { order: 2, broker: 2 },
  warmup: { seconds: 20, confirmed: 900, cpuMsPerOrder: 7.25 },
};
const results: Partial<BenchResults> = {
  loadAverageAtStart: 0.5,
  command: "npm run bench",
  http: {
    measuredAt: "2026-11-25T18:00:00.000Z",
    value: {
      settings: "-t1 -c32 -d10s",
      cases: [httpCase("gateway-products", 4000, 0.3), httpCase("bare", 900)],
    },
  },
  embedded: { measuredAt: "2026-11-25T18:05:00.000Z", value: pipeline },
  floor: {
    measuredAt: "2026-11-25T18:05:30.000Z",
    value: {
      exchangeCpuMs: 0.15,
      transactionCpuMs: 0.125,
      events: 7,
      deliveries: 12,
      exchangesPerOrder: 21,
      transactionsPerOrder: 20,
      floorCpuMsPerOrder: 5.65,
    },
  },
  signatures: {
    measuredAt: "2026-11-25T18:05:40.000Z",
    value: {
      signUs: 41.26,
      verifyUs: 98.04,
      iterations: 10_000,
      rounds: 5,
      dataBytes: { "bazaar.order.placed": 231, "bazaar.payment.succeeded": 80 },
      signsPerOrder: 7,
      verifiesPerOrder: 12,
      signatureCpuMsPerOrder: 1.465,
      pipelineCpuMsPerOrder: 4,
      shareOfPipeline: 0.366,
    },
  },
  rabbitmq: { measuredAt: "2026-11-25T18:06:00.000Z", skipped: "transport not yet merged" },
};

describe("the generated report", () => {
  const section = generatedSection(results);

  it("states each target with its verdict", () => {
    expect(section).toMatch(/\| gateway-products .*\*\*0\.400\*\* \| ≥ 0\.3 \*\*met\*\*/);
    expect(section).toMatch(/300\.0 \(≥ 300 \*\*met\*\*\)/);
    expect(section).toMatch(/150\/s: 40 \/ 300 ms \(< 250 \*\*missed\*\*\)/);
    expect(section).toContain("0 lost, 0 dead-lettered, 0 unsent (**met**)");
  });

  it("says plainly what was not measured and why", () => {
    expect(section).toContain("| RabbitMQ broker | not measured: transport not yet merged |");
  });

  it("turns CPU per order into the rate it allows", () => {
    expect(section).toContain(
      "CPU per confirmed order, embedded: 4.0 ms (order 2.0, broker 2.0); on 2 cores that allows at most 500 orders/s",
    );
    expect(section).toContain(
      "The warm-up before it, the same load for the first 20 s after the functions started (V8 still compiling " +
        "the hot paths): 7.3 ms per order over 900 orders.",
    );
  });

  it("states the floor of any Node implementation and the rate it allows", () => {
    expect(section).toContain(
      "21 exchanges (placement, price lookup, 7 publishes, 12 deliveries) and 20 transactions",
    );
    expect(section).toContain("**5.7 ms per order, at most 354 orders/s on 2 cores**");
  });

  it("states what signing and verifying an order's events cost, against the target", () => {
    expect(section).toContain("signing one event costs 41.3 µs of CPU, verifying one 98.0 µs");
    expect(section).toContain("bazaar.order.placed 231 bytes, bazaar.payment.succeeded 80 bytes");
    expect(section).toContain("an order's 7 publishes sign and its 12 deliveries verify");
    expect(section).toContain(
      "**1.47 ms per order, 36.6 % of the embedded pipeline's 4.0 ms per order** in the same run " +
        "(< 10 % of CPU per order **missed**)",
    );
    const cheap = { ...ran(results.signatures)!, shareOfPipeline: 0.05 };
    const met = generatedSection({
      ...results,
      signatures: { measuredAt: "2026-11-25T18:05:40.000Z", value: cheap },
    });
    expect(met).toContain("5.0 % of the embedded pipeline's");
    expect(met).toContain("(< 10 % of CPU per order **met**)");
  });

  it("judges the signatures on the pipeline's own profile when there is one", () => {
    const profiled = { ...ran(results.signatures)!, shareOfPipeline: 0.12, profileShare: 0.074 };
    const section = generatedSection({
      ...results,
      signatures: { measuredAt: "2026-11-25T18:05:40.000Z", value: profiled },
    });
    expect(section).toContain("12.0 % of the embedded pipeline's 4.0 ms per order**, a ratio of two figures");
    expect(section).toContain(
      "signature.ts and the Ed25519 under it took **7.4 % of the samples** (< 10 % of CPU per order **met**)",
    );
    const costly = { ...profiled, shareOfPipeline: 0.05, profileShare: 0.13 };
    expect(
      generatedSection({ ...results, signatures: { measuredAt: "2026-11-25T18:05:40.000Z", value: costly } }),
    ).toContain("**13.0 % of the samples** (< 10 % of CPU per order **missed**)");
  });

  it("leaves the signature line out of results from before it existed", () => {
    expect(generatedSection({ ...results, signatures: undefined })).not.toContain("Event signatures");
  });

  it("tables where the pipeline's CPU goes, the smallest components summed in one row", () => {
    expect(section).not.toContain("Where the embedded pipeline's CPU goes");
    const profile = {
      samples: 2000,
      seconds: 10,
      confirmed: 600,
      components: [
        { name: "the kernel", share: 0.6 },
        { name: "drizzle-orm", share: 0.38 },
        { name: "zod", share: 0.015 },
        { name: "opossum", share: 0.003 },
        { name: "pino", share: 0.002 },
      ],
      hottest: [{ name: "the kernel: schedule", share: 0.5 }],
      signatureShare: 0.07,
    };
    const profiled = generatedSection({
      ...results,
      embedded: { measuredAt: "2026-11-25T18:05:00.000Z", value: { ...pipeline, profile } },
    });
    expect(profiled).toContain("for 10 s after the measured phases (600 orders)");
    expect(profiled).toMatch(/\| the kernel +\| +60\.0 % \|/);
    expect(profiled).toMatch(/\| zod +\| +1\.5 % \|/);
    expect(profiled).toMatch(/\| the rest \(2 components, each under 1 %\) +\| +0\.5 % \|/);
    expect(profiled).toContain("The hottest places: the kernel: schedule 50.0 %.");
  });
});

describe("the chart", () => {
  const svg = renderChart("Bazaar benchmarks", "test", chartPanels(results));

  it("is one SVG with a bar per figure, green when the target is met and red when missed", () => {
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain(">gateway-products</text>");
    expect(svg).toMatch(/fill="#2e7d32"/); // part 1 met, 300 orders/s met
    expect(svg).toMatch(/fill="#c62828"/); // p99 at half rate missed
  });

  it("escapes what it prints", () => {
    expect(renderChart("a < b & c", "", [])).toContain("a &lt; b &amp; c");
  });
});
