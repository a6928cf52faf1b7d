/**
 * Issue 16's targets, judged on one run's figures: every function bundle ≤ 700 KB, a cold start ≤ 1.6 × `node
 * -e 0` of the same moment, CPU per confirmed order (embedded) ≤ 18 ms with the event signatures, and an
 * authenticated GET /api/orders through the gateway ≥ 0.07 of hello world.
 */
import type { EvalStart } from "./cold-start";
import { ran, type BenchResults } from "./results";
import { median, sum } from "./stats";

export const LEAN_TARGETS = {
  bundleKB: 700,
  coldStartRatio: 1.6,
  cpuMsPerOrder: 18,
  gatewayOrdersRatio: 0.07,
} as const;

const verdict = (ok: boolean): string => (ok ? "**met**" : "**missed**");
const kB = (bytes: number): string => `${(bytes / 1000).toFixed(0)} KB`;

export function leanTargetsSection(results: Partial<BenchResults>): string[] {
  const rows: string[] = [];
  const bundles = ran(results.bundles);
  if (bundles) {
    const largest = Math.max(...bundles.functions.map((f) => f.bytes));
    const sizes = bundles.functions.map((f) => `${f.service} ${kB(f.bytes)}`).join(", ");
    const apart = bundles.apart.map((a) => `${a.file} ${kB(a.bytes)} (${a.what})`).join("; ");
    rows.push(
      `| every function bundle ≤ ${LEAN_TARGETS.bundleKB} KB | ${sizes}; apart: ${apart} | ` +
        `${verdict(largest <= LEAN_TARGETS.bundleKB * 1000)} |`,
    );
  }
  const cold = ran(results.coldStart);
  if (cold) {
    const ratios = cold.functions.map((f) => f.medianMs / f.noopMs);
    const cpuRatios = cold.functions.map((f) => f.cpuMs / f.noopCpuMs);
    const worst = Math.max(...ratios);
    const ratioOf = (app: Omit<EvalStart, "code">): string =>
      `${(app.medianMs / app.noopMs).toFixed(2)} ×, in CPU ${(app.cpuMs / app.noopCpuMs).toFixed(2)} ×`;
    const floorNote =
      (cold.stackFloor
        ? `; the stack's least app (Hono, @hono/node-server, libSQL; nothing of Bazaar's): ${ratioOf(cold.stackFloor)}`
        : "") +
      (cold.nodeFloor ? `; node:http and libSQL with no framework: ${ratioOf(cold.nodeFloor)}` : "") +
      (cold.fetchClasses
        ? `; \`node -e ${cold.fetchClasses.code}\` alone (Node's fetch classes, which @hono/node-server reads ` +
          `as it loads): ${ratioOf(cold.fetchClasses)}`
        : "");
    rows.push(
      `| cold start ≤ ${LEAN_TARGETS.coldStartRatio} × \`node -e 0\` | spawn → first 200: ` +
        `${Math.min(...ratios).toFixed(2)}–${worst.toFixed(2)} × (median ${median(ratios).toFixed(2)}); ` +
        `in CPU ${Math.min(...cpuRatios).toFixed(2)}–${Math.max(...cpuRatios).toFixed(2)} ×${floorNote} | ` +
        `${verdict(worst <= LEAN_TARGETS.coldStartRatio)} |`,
    );
  }
  const embedded = ran(results.embedded);
  if (embedded) {
    const cpu = sum(Object.values(embedded.cpuMsPerOrder));
    const floor = ran(results.floor)?.floorCpuMsPerOrder;
    const warmup = embedded.warmup;
    rows.push(
      `| CPU per confirmed order (embedded) ≤ ${LEAN_TARGETS.cpuMsPerOrder} ms, signatures included | ` +
        `${cpu.toFixed(1)} ms${floor === undefined ? "" : ` (floor ${floor.toFixed(1)} ms: ${(cpu / floor).toFixed(1)} × it)`}` +
        `${warmup ? `; in the first ${warmup.seconds} s after a start, V8 still compiling: ${warmup.cpuMsPerOrder.toFixed(1)} ms` : ""} | ` +
        `${verdict(cpu <= LEAN_TARGETS.cpuMsPerOrder)} |`,
    );
  }
  const orders = ran(results.http)?.cases.find((c) => c.id === "gateway-orders");
  if (orders) {
    rows.push(
      `| authenticated GET /api/orders through the gateway ≥ ${LEAN_TARGETS.gatewayOrdersRatio} of hello world | ` +
        `${orders.ratio.toFixed(3)} | ${verdict(orders.ratio >= LEAN_TARGETS.gatewayOrdersRatio)} |`,
    );
  }
  if (rows.length === 0) return [];
  return [
    "### Issue 16's targets (this run)",
    "",
    "| target | measured | verdict |",
    "| --- | --- | --- |",
    ...rows,
    "",
  ];
}
