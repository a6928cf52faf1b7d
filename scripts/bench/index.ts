/**
 * `npm run bench`: builds nothing itself (run `npm run build` first, as the package script does), then
 * measures, writes docs/benchmarks/results.json and chart.svg, and rewrites the generated section of
 * BENCHMARKS.md. Options:
 *   --quick                 short runs for development (seconds, not minutes; figures are rough)
 *   --only=http,pipeline,rabbitmq,cold   some parts only; the others keep their last figures (pipeline
 *                           also measures the floor: the saga's hops with bare node:http and libSQL, and
 *                           what signing and verifying an order's events costs)
 *   --report-only           measure nothing: rewrite BENCHMARKS.md and the chart from results.json
 * Environment:
 *   AMQP_URL        the RabbitMQ for part 3 (default amqp://guest:guest@127.0.0.1:5672); the pipeline runs in a
 *                   throwaway vhost made with rabbitmqctl
 *   BENCH_PROFILE   services to run under --cpu-prof (e.g. order,broker), written to BENCH_PROFILE_DIR;
 *                   read them with `tsx scripts/bench/profile.ts <file>`
 *   BENCH_DIST      measure another build than dist/ (a change under trial, built beside it)
 *   BENCH_LOG_LEVEL LOG_LEVEL of every service (default info, as in production)
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { devServices } from "../dev/services";
import { measureBundleSizes } from "./bundle-sizes";
import { assertBuilt, codeOf } from "./bundles";
import { benchColdStart } from "./cold-start";
import { benchFloor, type FloorSettings } from "./floor";
import { benchHttpPaths } from "./http-paths";
import { describeMachine, requireTools } from "./machine";
import { perfWorks } from "./perf-profile";
import { benchPipeline, type PipelineSettings } from "./pipeline";
import { benchRabbitPublish, rabbitProblem, withThrowawayVhost } from "./rabbitmq";
import { writeReport } from "./report";
import { loadResults, saveResults, type BenchResults } from "./results";
import { benchSignatures, type SignatureSettings } from "./signatures";
import type { LoadSettings } from "./wrk";

const PARTS = ["http", "pipeline", "rabbitmq", "cold"] as const;
type PartName = (typeof PARTS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    "report-only": { type: "boolean", default: false },
  },
});
const only = new Set((values.only?.split(",") ?? PARTS) as PartName[]);
for (const part of only)
  if (!PARTS.includes(part)) throw new Error(`unknown part ${part}; parts: ${PARTS.join(", ")}`);

const quick = values.quick;
const http: LoadSettings = quick
  ? { threads: 1, connections: 32, seconds: 3, warmupSeconds: 1 }
  : { threads: 1, connections: 32, seconds: 10, warmupSeconds: 2 };
const pipeline: Omit<PipelineSettings, "profileSeconds"> = quick
  ? {
      concurrency: 16,
      maxInSaga: 150,
      warmupSeconds: 5,
      saturationSeconds: 5,
      halfRateSeconds: 5,
      drainTimeoutSeconds: 30,
    }
  : {
      concurrency: 32,
      maxInSaga: 150,
      warmupSeconds: 20,
      saturationSeconds: 15,
      halfRateSeconds: 15,
      drainTimeoutSeconds: 60,
    };
/** The embedded pipeline's profile needs perf (Debian's linux-perf); without it the run says so and goes on. */
const profileSeconds = perfWorks() ? (quick ? 3 : 10) : 0;
const floor: FloorSettings = quick
  ? { exchanges: 5_000, transactions: 5_000, inFlight: 16 }
  : { exchanges: 30_000, transactions: 30_000, inFlight: 16 };
const signatures: SignatureSettings = quick
  ? { iterations: 2_000, rounds: 3 }
  : { iterations: 10_000, rounds: 5 };
const coldRuns = quick ? 3 : 7;
const rabbitSeconds = quick ? 2 : 5;
const amqpUrl = process.env["AMQP_URL"] || "amqp://guest:guest@127.0.0.1:5672";
/** The broker's default (AMQP_QUEUE_TYPE), as the cluster's RabbitmqBrokerConfig: the ceiling uses the same. */
const QUEUE_TYPE = "quorum";

if (values["report-only"]) {
  await writeReport(loadResults());
  process.exit(0);
}

requireTools();
assertBuilt([...devServices]);

const now = (): string => new Date().toISOString();
const log = (line: string): void => void process.stdout.write(`  ${line}\n`);
const results: BenchResults = {
  ...loadResults(),
  machine: describeMachine(),
  loadAverageAtStart: loadavg()[0] ?? 0,
  command: [
    "npm run bench",
    ...(quick || values.only ? ["--"] : []),
    ...(quick ? ["--quick"] : []),
    ...(values.only ? [`--only=${values.only}`] : []),
  ].join(" "),
};
const save = async (): Promise<void> => {
  await saveResults(results);
  await writeReport(results);
};

// What each start reads: measured in every run, whatever the parts (it takes no time).
results.bundles = { measuredAt: now(), value: measureBundleSizes() };

if (only.has("http")) {
  console.log("parts 1-2: gateway paths");
  const settings = `-t${http.threads} -c${http.connections} -d${http.seconds}s after ${http.warmupSeconds} s of warm-up`;
  results.http = { measuredAt: now(), value: { settings, cases: await benchHttpPaths(http, log) } };
  await save();
}

if (only.has("pipeline")) {
  console.log("part 3: order pipeline, embedded broker");
  if (profileSeconds === 0)
    log("perf does not work here (apt-get install linux-perf): no profile of the pipeline");
  const embedded = await benchPipeline("embedded", { ...pipeline, profileSeconds }, {}, log);
  results.embedded = { measuredAt: now(), value: embedded };
  results.floor = { measuredAt: now(), value: await benchFloor(floor) };
  log(
    `floor: ${results.floor.value.floorCpuMsPerOrder.toFixed(2)} ms of CPU per order with bare node:http and libSQL`,
  );
  const signed = benchSignatures(signatures, embedded);
  results.signatures = { measuredAt: now(), value: signed };
  log(
    `signatures: ${signed.signUs.toFixed(1)} µs per sign, ${signed.verifyUs.toFixed(1)} µs per verify, ` +
      `${signed.signatureCpuMsPerOrder.toFixed(2)} ms per order, ${(signed.shareOfPipeline * 100).toFixed(1)} % ` +
      `of the pipeline's ${signed.pipelineCpuMsPerOrder.toFixed(1)} ms` +
      (signed.profileShare === undefined
        ? ""
        : `; ${(signed.profileShare * 100).toFixed(1)} % of the pipeline's profile`),
  );
  await save();
}

/** Tests elsewhere may drop every RabbitMQ connection (resilience suites do): try again before giving up. */
async function measureCeiling(): Promise<NonNullable<BenchResults["rabbitPublish"]>> {
  let problem = "";
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    try {
      return { measuredAt: now(), value: await benchRabbitPublish(amqpUrl, rabbitSeconds, QUEUE_TYPE) };
    } catch (error) {
      problem = (error as Error).message;
      log(`RabbitMQ publish run ${attempt} failed (${problem}); trying again`);
    }
  }
  return { measuredAt: now(), skipped: `three runs failed, the last with: ${problem}` };
}

if (only.has("rabbitmq")) {
  console.log("part 3: RabbitMQ's publish-with-confirm ceiling, and the order pipeline over RabbitMQ");
  const absent = await rabbitProblem(amqpUrl);
  results.rabbitPublish = absent ? { measuredAt: now(), skipped: absent } : await measureCeiling();
  const supported = readFileSync(codeOf("broker"), "latin1").includes("AMQP_URL");
  if (!supported) results.rabbitmq = { measuredAt: now(), skipped: "transport not yet merged" };
  else if (absent) results.rabbitmq = { measuredAt: now(), skipped: absent };
  else {
    const outcome = await withThrowawayVhost(amqpUrl, (url) =>
      benchPipeline(
        "rabbitmq",
        { ...pipeline, profileSeconds: 0 },
        { AMQP_URL: url, AMQP_QUEUE_TYPE: QUEUE_TYPE },
        log,
      ),
    );
    results.rabbitmq =
      typeof outcome === "string"
        ? { measuredAt: now(), skipped: outcome }
        : { measuredAt: now(), value: outcome };
  }
  await save();
}

if (only.has("cold")) {
  console.log("part 4: cold start");
  results.coldStart = { measuredAt: now(), value: await benchColdStart(coldRuns, log) };
  await save();
}

console.log("wrote BENCHMARKS.md, docs/benchmarks/results.json and docs/benchmarks/chart.svg");
