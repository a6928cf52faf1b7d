/**
 * What tracing costs an order (issue 18): Part 3's embedded pipeline (scripts/bench/pipeline.ts) with tracing
 * off and with every span sampled and exported, rounds interleaved so that both meet the same machine. The
 * spans go over OTLP/HTTP (protobuf, the default) to a receiver here that only counts them by their bytes, as a
 * Collector's receiver would take them; the functions do all of tracing's work (spans, batching, encoding,
 * posting). `npm run build` first.
 *
 *   npx tsx scripts/bench/tracing-cpu.ts [--rounds=2] [--seconds=8] [--variants=off,on,tenth,frame]
 *
 * Variants: off; on (every trace sampled); tenth (parentbased_traceidratio 0.1: a tenth of the orders
 * recorded and exported, the rest still propagated); frame (on, under Node 22's
 * --experimental-async-context-frame, where AsyncLocalStorage, the SDK's context manager, costs no promise
 * hook: Node 24's default). Default off,on.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { benchPipeline, type PipelineResult } from "./pipeline";
import { sum } from "./stats";

const option = (name: string): string | undefined =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
const rounds = Number(option("rounds") ?? 2);
const seconds = Number(option("seconds") ?? 8);

let exports = 0;
let bytes = 0;
const receiver = createServer((request, response) => {
  request.on("data", (chunk: Buffer) => (bytes += chunk.byteLength));
  request.on("end", () => {
    exports += 1;
    response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

const VARIANTS = {
  off: { env: {} },
  on: { env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: "always_on" } },
  tenth: {
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.1",
    },
  },
  frame: {
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_TRACES_SAMPLER: "always_on",
      NODE_OPTIONS: "--experimental-async-context-frame",
    },
  },
} satisfies Record<string, { env: Record<string, string> }>;
type Variant = keyof typeof VARIANTS;
const variants = (option("variants") ?? "off,on").split(",") as Variant[];
for (const variant of variants) if (!(variant in VARIANTS)) throw new Error(`unknown variant ${variant}`);
const keys = [...new Set(Object.values(VARIANTS).flatMap((v) => Object.keys(v.env)))];

const settings = {
  concurrency: 16,
  maxInSaga: 150,
  warmupSeconds: 5,
  saturationSeconds: seconds,
  halfRateSeconds: 3,
  drainTimeoutSeconds: 60,
  profileSeconds: 0,
};
const log = (line: string) => process.stdout.write(`  ${line}\n`);
const total = (result: PipelineResult) => sum(Object.values(result.cpuMsPerOrder));

const runs: { variant: Variant; result: PipelineResult; exportedKb: number }[] = [];
process.stdout.write(`Node ${process.version}, ${new Date().toISOString()}\n`);
for (let round = 0; round < rounds; round += 1) {
  for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
    // The bundles inherit this process's env. Empty is unset to the functions' configuration.
    const env: Record<string, string> = VARIANTS[variant].env;
    for (const key of keys) process.env[key] = env[key] ?? "";
    const bytesBefore = bytes;
    const result = await benchPipeline("embedded", settings, {}, log);
    const exportedKb =
      (bytes - bytesBefore) / 1024 / Math.max(1, result.saturation.confirmed + result.half.confirmed);
    runs.push({ variant, result, exportedKb });
    const processes = Object.entries(result.cpuMsPerOrder)
      .map(([name, ms]) => `${name} ${ms.toFixed(1)}`)
      .join(", ");
    process.stdout.write(
      `tracing ${variant}: ${total(result).toFixed(1)} ms of CPU per order (${processes}); ` +
        `${result.saturation.ordersPerSecond.toFixed(0)} orders/s` +
        (variant === "off" ? "" : `; ${exportedKb.toFixed(1)} KB of OTLP per order`) +
        "\n",
    );
  }
}
receiver.close();
const mean = (variant: Variant) => {
  const of = runs.filter((run) => run.variant === variant);
  return sum(of.map((run) => total(run.result))) / Math.max(1, of.length);
};
const off = mean(variants[0] ?? "off");
const line = variants
  .slice(1)
  .map((variant) => {
    const on = mean(variant);
    return `${variant} ${on.toFixed(1)} ms (${on >= off ? "+" : ""}${(on - off).toFixed(1)} ms, ${(((on - off) / off) * 100).toFixed(0)} %)`;
  })
  .join(", ");
process.stdout.write(
  `mean CPU per order: ${variants[0]} ${off.toFixed(1)} ms, ${line}; ${exports} exports received\n`,
);
