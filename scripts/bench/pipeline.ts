/**
 * Part 3: the order saga end to end (placed → reserved → payment → confirmed, with the fan-out to shipping
 * and notification), in embedded-broker mode or over RabbitMQ. Two phases on one system:
 * - saturation: a closed loop of placers for a while; the rate is confirmed orders over the time from the
 *   first placement to the last confirmation, so a backlog the saga has not worked off counts against it;
 * - half rate: orders placed at an even pace of half that rate; placed→confirmed latency per order.
 * Times come from the order function's own database (placed_at_ms and the timeline's confirmed step), so the
 * load generator's scheduling adds nothing. Then: every order confirmed, nothing dead-lettered, every outbox
 * empty, or the run says what was lost.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient, type Client } from "@libsql/client";
import { devServices, type DevService } from "../dev/services";
import { startBundles, type Bundles } from "./bundles";
import {
  inclusiveShare,
  recordWhile,
  SourceLocator,
  summariseProfile,
  type ProfileSummary,
} from "./perf-profile";
import { adminToken, newProduct, registerShopper } from "./shop";
import { percentile, sum } from "./stats";
import { cpuSecondsOf } from "./wrk";

export interface PhaseResult {
  placed: number;
  /** Placements refused or failed (any non-202). */
  placeErrors: number;
  confirmed: number;
  /** From the first placement to the last confirmation. */
  seconds: number;
  ordersPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface PipelineResult {
  mode: "embedded" | "rabbitmq";
  saturation: PhaseResult;
  /** The pace of the half-rate phase, orders per second. */
  halfRate: number;
  half: PhaseResult;
  /** Placed but not confirmed when the run ended. */
  lost: number;
  deadLettered: number;
  /** Outbox rows not yet accepted by the broker, all functions together. */
  outboxBacklog: number;
  /** CloudEvents the broker took in per confirmed order (the saga's hops plus the fan-out). */
  eventsPerOrder: number;
  /**
   * CPU milliseconds each process spent per order over the saturation phase, its drain and fan-out. Their sum
   * bounds the rate on this machine whatever else runs: at most cores × 1000 / sum orders per second.
   */
  cpuMsPerOrder: Record<string, number>;
  /** The warm-up before the measured saturation: the same load right after the processes started. */
  warmup?: Warmup;
  /** Where that CPU goes: a second saturation run under perf, after the measured phases (perf-profile.ts). */
  profile?: PipelineProfile;
}

export interface Warmup {
  seconds: number;
  confirmed: number;
  /** All processes together, from the warm-up's first placement until it had settled. */
  cpuMsPerOrder: number;
}

export interface PipelineProfile extends ProfileSummary {
  seconds: number;
  confirmed: number;
  /** Of all samples, those in signing and verifying events (issue 14): shared/events/signature.ts and Ed25519. */
  signatureShare: number;
}

/**
 * Event signatures' code: signature.ts and what it calls, down to OpenSSL's Ed25519 (the only other Ed25519 on
 * the path, an access token's, is verified once per token, not per order).
 */
const SIGNATURE_CODE = { source: /^shared\/events\/signature\.ts:/, native: /ed25519/i };

export interface PipelineSettings {
  /** Placers in the saturation phase, each placing its next order as soon as the last was accepted. */
  concurrency: number;
  /** Orders placed but not yet confirmed at most, in the saturation phase. */
  maxInSaga: number;
  /**
   * Seconds of the same saturation right after the start, before the measured one. V8's optimizing compiler
   * works through the hot paths during the first 10-20 s of this load: measured from the start, an order cost
   * about twice the CPU it costs once that is over (BENCHMARKS.md). The warm-up's figure is reported apart.
   */
  warmupSeconds: number;
  saturationSeconds: number;
  halfRateSeconds: number;
  /** How long the saga may take to work off what was placed before the rest counts as lost. */
  drainTimeoutSeconds: number;
  /** Seconds of saturation to profile with perf after the measured phases; 0 for none. */
  profileSeconds: number;
}

const SERVICES: DevService[] = devServices.filter((s) => s !== "gateway");
const WITH_OUTBOX: DevService[] = SERVICES.filter((s) => s !== "broker");

interface Placer {
  place(): Promise<boolean>;
}

function placerFor(orderUrl: string, token: string, productId: number): Placer {
  const body = JSON.stringify({ product_id: productId, quantity: 1 });
  const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
  return {
    async place() {
      try {
        const response = await fetch(`${orderUrl}/api/orders`, { method: "POST", headers, body });
        await response.arrayBuffer();
        return response.status === 202;
      } catch {
        return false;
      }
    },
  };
}

/** Placed and confirmed times of the orders with ids above `afterId`, from the order function's database. */
async function orderTimes(orders: Client, afterId: number) {
  const result = await orders.execute({
    sql: `select o.id, o.placed_at_ms as placed,
            (select t.at from order_timeline t where t.order_id = o.id and t.status = 'confirmed'
             order by t.id limit 1) as confirmed_at
          from orders o where o.id > ?`,
    args: [afterId],
  });
  return result.rows.map((row) => ({
    id: Number(row["id"]),
    placed: Number(row["placed"]),
    confirmed: row["confirmed_at"] === null ? undefined : Date.parse(String(row["confirmed_at"])),
  }));
}

/** How many of these orders are confirmed. */
const confirmedIn = (times: Awaited<ReturnType<typeof orderTimes>>): number =>
  times.filter((t) => t.confirmed !== undefined).length;

/** The newest order's id so far: a later phase's orders are those above it. */
const lastOrderId = async (orders: Client): Promise<number> =>
  (await orderTimes(orders, 0)).reduce((max, t) => Math.max(max, t.id), 0);

/** Waits until every order after `afterId` is confirmed, or until nothing moved for the timeout. */
async function drain(orders: Client, afterId: number, timeoutSeconds: number) {
  let last = -1;
  let stillSince = Date.now();
  for (;;) {
    const times = await orderTimes(orders, afterId);
    const confirmed = confirmedIn(times);
    if (confirmed === times.length) return times;
    if (confirmed !== last) [last, stillSince] = [confirmed, Date.now()];
    if (Date.now() - stillSince > timeoutSeconds * 1000) return times;
    await sleep(200);
  }
}

function summarise(times: Awaited<ReturnType<typeof orderTimes>>, placeErrors: number): PhaseResult {
  const done = times.filter((t): t is { id: number; placed: number; confirmed: number } => !!t.confirmed);
  const latencies = done.map((t) => t.confirmed - t.placed).sort((a, b) => a - b);
  const first = Math.min(...times.map((t) => t.placed));
  const lastConfirmed = Math.max(...done.map((t) => t.confirmed));
  const seconds = done.length > 0 ? (lastConfirmed - first) / 1000 : 0;
  return {
    placed: times.length,
    placeErrors,
    confirmed: done.length,
    seconds,
    ordersPerSecond: seconds > 0 ? done.length / seconds : 0,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? 0,
  };
}

/**
 * Closed loop of `concurrency` placers, held back while `maxInSaga` orders are placed but not yet confirmed:
 * the saga stays saturated without a backlog that would take minutes to work off.
 */
async function saturate(
  placer: Placer,
  orders: Client,
  afterId: number,
  settings: Pick<PipelineSettings, "concurrency" | "saturationSeconds" | "maxInSaga">,
): Promise<number> {
  const until = Date.now() + settings.saturationSeconds * 1000;
  let placed = 0;
  let confirmed = 0;
  let errors = 0;
  const poller = setInterval(() => {
    orders
      .execute({
        sql: "select count(*) from orders where id > ? and status not in ('pending', 'awaiting_payment')",
        args: [afterId],
      })
      .then((result) => (confirmed = Number(result.rows[0]?.[0] ?? 0)))
      .catch(() => undefined);
  }, 100);
  try {
    await Promise.all(
      Array.from({ length: settings.concurrency }, async () => {
        while (Date.now() < until) {
          if (placed - confirmed >= settings.maxInSaga) {
            await sleep(10);
            continue;
          }
          placed += 1;
          if (!(await placer.place())) errors += 1;
        }
      }),
    );
  } finally {
    clearInterval(poller);
  }
  return errors;
}

/** Open loop: one placement every 1/rate seconds whatever the answers do, as independent shoppers would. */
async function pace(placer: Placer, rate: number, seconds: number): Promise<number> {
  const start = performance.now();
  const count = Math.round(rate * seconds);
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(placer.place().then((ok) => void (ok || (errors += 1))));
  }
  await Promise.all(inFlight);
  return errors;
}

async function countRows(bundles: Bundles, service: DevService, sql: string): Promise<number> {
  const client = createClient({ url: `file:${join(bundles.dataDir, `${service}.db`)}` });
  try {
    return Number((await client.execute(sql)).rows[0]?.[0] ?? 0);
  } finally {
    client.close();
  }
}

/** Sums the samples of one metric family on a /metrics page. */
async function metricSum(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return sum(
    text
      .split("\n")
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .map((line) => Number(line.split(" ").at(-1))),
  );
}

const outboxBacklogOf = async (bundles: Bundles): Promise<number> => {
  let backlog = 0;
  for (const service of WITH_OUTBOX)
    backlog += await countRows(bundles, service, "select count(*) from outbox where sent_at is null");
  return backlog;
};

/**
 * Waits until the fan-out after order.confirmed (shipping, notification, inventory's commit) is over: every
 * outbox sent, no queue depth reported, and no delivery made for 1.5 s (the RabbitMQ transport reports depths
 * only every few seconds, so the deliveries counter is what proves the broker idle). Resolves with the
 * outbox backlog left: 0 unless it timed out.
 */
async function settle(bundles: Bundles, timeoutSeconds: number): Promise<number> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let deliveries = -1;
  let quietSince = Date.now();
  for (;;) {
    const backlog = await outboxBacklogOf(bundles);
    const queued = await metricSum(bundles.url("broker"), "broker_queue_depth");
    const delivered = await metricSum(bundles.url("broker"), "broker_deliveries_total");
    if (backlog > 0 || queued > 0 || delivered !== deliveries) quietSince = Date.now();
    deliveries = delivered;
    if (Date.now() - quietSince >= 1500 || Date.now() > deadline) return backlog;
    await sleep(250);
  }
}

/**
 * The saturation phase again, every process sampled by perf: where the CPU per order goes. Run after the
 * measured phases, so that sampling never touches the figures they report.
 */
async function profileSaturation(
  bundles: Bundles,
  placer: Placer,
  orders: Client,
  settings: PipelineSettings,
): Promise<PipelineProfile> {
  const last = await lastOrderId(orders);
  let confirmed = 0;
  const samples = await recordWhile(
    SERVICES.map((name) => bundles.pid(name)),
    join(bundles.dataDir, "perf.data"),
    async () => {
      await saturate(placer, orders, last, { ...settings, saturationSeconds: settings.profileSeconds });
      confirmed = confirmedIn(await drain(orders, last, settings.drainTimeoutSeconds));
      await settle(bundles, settings.drainTimeoutSeconds);
    },
  );
  const locator = new SourceLocator(); // reads each bundle's source map once for both readings
  return {
    ...summariseProfile(samples, locator),
    seconds: settings.profileSeconds,
    confirmed,
    signatureShare: inclusiveShare(samples, SIGNATURE_CODE, locator),
  };
}

export async function benchPipeline(
  mode: PipelineResult["mode"],
  settings: PipelineSettings,
  brokerEnv: Record<string, string>,
  progress: (line: string) => void,
): Promise<PipelineResult> {
  const profiled = settings.profileSeconds > 0;
  // --perf-basic-prof names JIT-compiled frames for perf (a line per compiled function in /tmp/perf-<pid>.map)
  // and changes nothing else, but V8 then also writes a log, by default an isolate-*.log in the checkout.
  const v8Logs = profiled ? mkdtempSync(join(tmpdir(), "bazaar-v8-logs-")) : undefined;
  const perfArgs = (name: DevService): string[] =>
    v8Logs
      ? ["--perf-basic-prof", "--no-logfile-per-isolate", `--logfile=${join(v8Logs, `${name}.log`)}`]
      : [];
  const bundles = await startBundles(SERVICES, {
    env: { broker: brokerEnv, payment: { PAYMENT_SETTLE_INTERVAL_MS: "5000" } },
    nodeArgs: Object.fromEntries(SERVICES.map((name) => [name, perfArgs(name)])),
  });
  const orders = createClient({ url: `file:${join(bundles.dataDir, "order.db")}` });
  try {
    const shopper = await registerShopper(bundles.url("customer"));
    const productId = await newProduct(
      bundles.url("inventory"),
      await adminToken(bundles.url("customer")),
      1e8,
    );
    const placer = placerFor(bundles.url("order"), shopper.token, productId);
    const cpu = () => Object.fromEntries(SERVICES.map((name) => [name, cpuSecondsOf(bundles.pid(name))]));
    const cpuMsPerOrderSince = (
      before: Record<string, number>,
      orderCount: number,
    ): Record<string, number> => {
      const after = cpu();
      return Object.fromEntries(
        SERVICES.map((name) => [
          name,
          (((after[name] ?? 0) - (before[name] ?? 0)) * 1000) / Math.max(1, orderCount),
        ]),
      );
    };

    const warmupBefore = cpu();
    await saturate(placer, orders, 0, { ...settings, saturationSeconds: settings.warmupSeconds });
    const warmupConfirmed = confirmedIn(await drain(orders, 0, settings.drainTimeoutSeconds));
    await settle(bundles, settings.drainTimeoutSeconds);
    const warmup: Warmup = {
      seconds: settings.warmupSeconds,
      confirmed: warmupConfirmed,
      cpuMsPerOrder: sum(Object.values(cpuMsPerOrderSince(warmupBefore, warmupConfirmed))),
    };
    progress(
      `${mode}: warm-up ${warmup.confirmed} orders in ${warmup.seconds} s, ${warmup.cpuMsPerOrder.toFixed(1)} ms of CPU per order`,
    );
    const ingestedBefore = await metricSum(bundles.url("broker"), "broker_events_ingested_total");

    const warmLast = await lastOrderId(orders);
    const cpuBefore = cpu();
    const saturationErrors = await saturate(placer, orders, warmLast, settings);
    const saturation = summarise(
      await drain(orders, warmLast, settings.drainTimeoutSeconds),
      saturationErrors,
    );
    await settle(bundles, settings.drainTimeoutSeconds);
    const cpuMsPerOrder = cpuMsPerOrderSince(cpuBefore, saturation.confirmed);
    progress(
      `${mode}: saturation ${saturation.confirmed}/${saturation.placed} confirmed, ` +
        `${saturation.ordersPerSecond.toFixed(0)} orders/s, p99 ${saturation.p99Ms.toFixed(0)} ms`,
    );

    const halfRate = Math.max(1, Math.floor(saturation.ordersPerSecond / 2));
    const saturationLast = await lastOrderId(orders);
    const halfErrors = await pace(placer, halfRate, settings.halfRateSeconds);
    const half = summarise(await drain(orders, saturationLast, settings.drainTimeoutSeconds), halfErrors);
    progress(
      `${mode}: half rate ${halfRate}/s, p50 ${half.p50Ms.toFixed(0)} ms, p99 ${half.p99Ms.toFixed(0)} ms`,
    );

    const outboxBacklog = await settle(bundles, settings.drainTimeoutSeconds);
    const profile = profiled ? await profileSaturation(bundles, placer, orders, settings) : undefined;
    if (profile)
      progress(`${mode}: profiled ${profile.confirmed} orders under perf (${profile.samples} samples)`);
    const all = await orderTimes(orders, 0);
    const measured = all.filter((t) => t.id > warmLast).length;
    const ingested =
      (await metricSum(bundles.url("broker"), "broker_events_ingested_total")) - ingestedBefore;
    return {
      mode,
      saturation,
      halfRate,
      half,
      lost: all.filter((t) => t.confirmed === undefined).length,
      deadLettered: await countRows(bundles, "dead-letters", "select count(*) from dead_letters"),
      outboxBacklog,
      eventsPerOrder: ingested / Math.max(1, measured),
      cpuMsPerOrder,
      warmup,
      ...(profile ? { profile } : {}),
    };
  } finally {
    orders.close();
    await bundles.stop();
    if (v8Logs) rmSync(v8Logs, { recursive: true, force: true });
  }
}
