/**
 * Cold start with tracing off and on (issue 18), interleaved run by run so that both meet the same machine:
 * spawn of a function's bundle to its first 200 on /healthz, and the CPU it used by then.
 *
 *   npx tsx scripts/bench/tracing-cold-start.ts [--runs=15] [--baseline=<another dist>] [order gateway ...]
 *
 * "off" is the bundle with no OTEL_* set (the SDK is never read); "on" the same bundle exporting to a local
 * OTLP endpoint (it loads dist/tracing-sdk.js). With --baseline (a dist/ built from the commit before
 * tracing), "before" is that build with no OTEL_*: off against before is what tracing costs a start that does
 * not use it. `npm run build` first.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { functionNames, type ServiceName } from "../../shared/config/services";
import { rootDir } from "../dev/services";
import { startOnce } from "./cold-start";
import { median } from "./stats";

interface Variant {
  name: string;
  dist: string;
  env: Record<string, string>;
}

/** One start of a variant: its time to the first 200 and the CPU (scheduler counters) used by then. */
async function startVariant(
  variant: Variant,
  service: ServiceName,
  dataDir: string,
): Promise<{ ms: number; cpuMs: number }> {
  const { ms, schedCpuMs } = await startOnce(service, dataDir, {
    entry: join(variant.dist, service, "index.js"),
    env: variant.env,
  });
  return { ms, cpuMs: schedCpuMs };
}

const option = (name: string): string | undefined =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
const runs = Number(option("runs") ?? 15);
const baseline = option("baseline");
const services = process.argv
  .slice(2)
  .filter((arg) => !arg.startsWith("--"))
  .map((arg) => arg as ServiceName);

// Spans have nowhere to go but here; a start exports none anyway (/healthz makes no span).
const sink = createServer((request, response) => request.resume().on("end", () => response.end()));
await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

const dist = join(rootDir, "dist");
const variants: Variant[] = [
  ...(baseline ? [{ name: "before", dist: baseline, env: {} }] : []),
  { name: "off", dist, env: {} },
  { name: "on", dist, env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } },
];

process.stdout.write(
  `Node ${process.version}, ${runs} runs each, interleaved; medians (first start left out)\n`,
);
for (const service of services.length > 0 ? services : functionNames) {
  const results = new Map(variants.map((variant) => [variant.name, [] as { ms: number; cpuMs: number }[]]));
  const dataDirs = new Map(
    variants.map((v) => [v.name, mkdtempSync(join(tmpdir(), `bazaar-cold-${v.name}-`))]),
  );
  try {
    // The first start of each creates its database and code cache: not a cold start of a deployed function.
    for (const variant of variants)
      await startVariant(variant, service, dataDirs.get(variant.name) as string);
    for (let run = 0; run < runs; run += 1) {
      for (const variant of variants) {
        results
          .get(variant.name)
          ?.push(await startVariant(variant, service, dataDirs.get(variant.name) as string));
      }
    }
  } finally {
    for (const folder of dataDirs.values()) rmSync(folder, { recursive: true, force: true });
  }
  const line = variants.map((variant) => {
    const of = results.get(variant.name) ?? [];
    const ms = median(of.map((r) => r.ms));
    const cpu = median(of.map((r) => r.cpuMs));
    return `${variant.name} ${ms.toFixed(0)} ms (${cpu.toFixed(1)} ms CPU)`;
  });
  // Run by run, each variant against the first: the machine's drift cancels out of a paired difference.
  const reference = results.get(variants[0]?.name ?? "") ?? [];
  const paired = variants.slice(1).map((variant) => {
    const of = results.get(variant.name) ?? [];
    const wall = pairedDifference(of.map((r, i) => r.ms - (reference[i]?.ms ?? 0)));
    const cpu = pairedDifference(of.map((r, i) => r.cpuMs - (reference[i]?.cpuMs ?? 0)));
    return `${variant.name} - ${variants[0]?.name}: ${wall} ms, ${cpu} ms CPU`;
  });
  process.stdout.write(`${service.padEnd(12)} ${line.join(" | ")}\n${" ".repeat(13)}${paired.join(" | ")}\n`);
}
sink.close();

/** Mean of paired differences with its 95 % interval (two standard errors). */
function pairedDifference(differences: number[]): string {
  const n = differences.length;
  const mean = differences.reduce((sum, d) => sum + d, 0) / n;
  const variance = differences.reduce((sum, d) => sum + (d - mean) ** 2, 0) / Math.max(1, n - 1);
  return `${mean >= 0 ? "+" : ""}${mean.toFixed(1)} ± ${(2 * Math.sqrt(variance / n)).toFixed(1)}`;
}
