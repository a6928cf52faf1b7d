import { describe, expect, it } from "vitest";
import type { ColdStart } from "./cold-start";
import { leanTargetsSection } from "./lean-targets";
import type { BenchResults } from "./results";

const at = "2026-12-03T09:00:00.000Z";
const coldStart = (service: ColdStart["service"], medianMs: number): ColdStart => ({
  service,
  medianMs,
  runsMs: [medianMs],
  firstBootMs: medianMs * 2,
  noopMs: 50,
  cpuMs: medianMs,
  noopCpuMs: 40,
  rssMB: 70,
});

describe("issue 16's targets", () => {
  it("judges the largest bundle and the slowest start, not an average", () => {
    const results: Partial<BenchResults> = {
      bundles: {
        measuredAt: at,
        value: {
          functions: [
            { service: "order", bytes: 504_339 },
            { service: "gateway", bytes: 700_001 },
          ],
          apart: [{ file: "gateway/redis-client.js", what: "the Redis client", bytes: 195_227 }],
        },
      },
      coldStart: {
        measuredAt: at,
        value: {
          nodeNoopMs: 50,
          hyperfineNoopMs: 48,
          functions: [coldStart("order", 75), coldStart("gateway", 81)],
        },
      },
    };
    const [, , , , bundles, cold] = leanTargetsSection(results);
    expect(bundles).toContain("gateway 700 KB");
    expect(bundles).toContain("gateway/redis-client.js 195 KB");
    expect(bundles).toMatch(/\*\*missed\*\* \|$/);
    expect(cold).toContain("1.50–1.62 ×");
    expect(cold).toMatch(/\*\*missed\*\* \|$/);
  });

  it("reads the functions' starts against the least apps when the run measured them", () => {
    const floor = { ...coldStart("order", 100), noopMs: 40, cpuMs: 90, noopCpuMs: 30 };
    const { service: _service, ...stackFloor } = floor;
    const nodeFloor = { ...stackFloor, medianMs: 60, cpuMs: 45 };
    const [, , , , cold] = leanTargetsSection({
      coldStart: {
        measuredAt: at,
        value: {
          nodeNoopMs: 50,
          hyperfineNoopMs: 48,
          functions: [coldStart("order", 75)],
          stackFloor,
          nodeFloor,
          fetchClasses: { code: "globalThis.Request", medianMs: 84, noopMs: 40, cpuMs: 60, noopCpuMs: 30 },
        },
      },
    });
    expect(cold).toContain(
      "the stack's least app (Hono, @hono/node-server, libSQL; nothing of Bazaar's): 2.50 ×, in CPU 3.00 ×; " +
        "node:http and libSQL with no framework: 1.50 ×, in CPU 1.50 ×; " +
        "`node -e globalThis.Request` alone (Node's fetch classes, which @hono/node-server reads as it loads): " +
        "2.10 ×, in CPU 2.00 ×",
    );
  });

  it("adds every function's CPU per order and reads the gateway's GET /api/orders ratio", () => {
    const lines = leanTargetsSection({
      embedded: {
        measuredAt: at,
        value: { cpuMsPerOrder: { order: 6, broker: 5, inventory: 4 } } as never,
      },
    });
    expect(lines.find((line) => line.includes("CPU per confirmed order"))).toMatch(
      /15\.0 ms \| \*\*met\*\* \|$/,
    );
    const withFloor = leanTargetsSection({
      embedded: { measuredAt: at, value: { cpuMsPerOrder: { order: 30 } } as never },
      floor: { measuredAt: at, value: { floorCpuMsPerOrder: 10 } as never },
    });
    expect(withFloor.find((line) => line.includes("CPU per confirmed order"))).toContain(
      "30.0 ms (floor 10.0 ms: 3.0 × it)",
    );
    const warmedUp = leanTargetsSection({
      embedded: {
        measuredAt: at,
        value: {
          cpuMsPerOrder: { order: 17 },
          warmup: { seconds: 20, confirmed: 800, cpuMsPerOrder: 35 },
        } as never,
      },
    });
    expect(warmedUp.find((line) => line.includes("CPU per confirmed order"))).toMatch(
      /17\.0 ms; in the first 20 s after a start, V8 still compiling: 35\.0 ms \| \*\*met\*\* \|$/,
    );
    expect(leanTargetsSection({})).toEqual([]);
  });
});
