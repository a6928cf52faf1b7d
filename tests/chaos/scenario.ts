import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { devServices, type DevService } from "../../scripts/dev/services";
import { call, pause } from "../support/http";
import {
  checkInvariants,
  fetchSnapshot,
  summarise,
  type Expectations,
  type Snapshot,
  type Violation,
} from "../support/invariants";
import { seededRandom, type Random } from "../support/random";
import { adminToken, newProduct, newShopper } from "../support/shop";
import { startSystem, type System, type SystemOptions } from "../support/system";
import { killAndRestart, runFaults, type Fault, type FaultStep } from "./faults";
import { loadFigures, startLoad } from "./load";

/**
 * One chaos run: the whole shop as real processes, a steady order load through the gateway, the chosen
 * functions killed with SIGKILL and restarted in turn, the broker's own faults, then the invariants, checked
 * until they hold or the deadline passes. The result is written as JSON (and every log beside it).
 */

export const FUNCTIONS: DevService[] = devServices.filter((s) => s !== "broker");

export interface ChaosSettings {
  label: string;
  seed: number;
  /** The functions killed in each round (in a shuffled order). */
  victims: readonly DevService[];
  /** How many rounds of kills. */
  rounds: number;
  /** Time between two faults. */
  gapMs: number;
  /** Load kept on after the last fault. */
  tailMs: number;
  concurrency: number;
  /** Pause of each worker between two placements. */
  pauseMs: number;
  /** Time the shop gets after the load stops until every invariant must hold. */
  settleDeadlineMs: number;
  /** Processes of every function (behind a round-robin each); a kill then hits one of them. Default 1. */
  replicas?: number;
  /** Extra per-service settings, e.g. the broker's AMQP_URL. */
  env?: SystemOptions["env"];
  /** The broker's own faults (restart it, restart RabbitMQ), run once after the first round. */
  brokerFaults: (system: System, random: Random) => FaultStep[];
}

export interface ChaosResult {
  label: string;
  seed: number;
  date: string;
  machine: { cpus: number; node: string };
  load: ReturnType<typeof loadFigures>;
  faults: Fault[];
  /** Milliseconds from the end of the load until every order was final. */
  finalWithinMs: number;
  /** Milliseconds from the end of the load until every invariant held. */
  consistentWithinMs: number;
  deadLettersReplayed: number;
  /** Log lines in which the broker said it lost or abandoned an event. */
  brokerLostEvents: string[];
  shop: ReturnType<typeof summarise>;
  violations: Violation[];
  reportFile: string;
}

const baseEnv = (settings: ChaosSettings): SystemOptions["env"] => ({
  ...settings.env,
  // Tokens outlive a long run; the load never logs in again.
  customer: { ACCESS_TOKEN_TTL_SECONDS: "86400", ...settings.env?.customer },
  // A payment stuck for 20 s is cancelled by the sweep: under chaos that path runs too.
  order: { ORDER_PAYMENT_TIMEOUT_SECONDS: "20", ORDER_SWEEP_INTERVAL_MS: "1000", ...settings.env?.order },
  payment: { PAYMENT_SLOW_MS: "1500", PAYMENT_SETTLE_INTERVAL_MS: "1000", ...settings.env?.payment },
  gateway: {
    RATE_LIMIT_ORDER_PLACEMENT: "1000000",
    RATE_LIMIT_WRITE: "1000000",
    RATE_LIMIT_READ: "1000000",
    GATEWAY_BREAKER_RESET_MS: "1000",
    GATEWAY_UPSTREAM_TIMEOUT_MS: "5000",
    ...settings.env?.gateway,
  },
});

function shuffled<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

interface Settled {
  snapshot: Snapshot;
  violations: Violation[];
  /** When every order was first seen final, and when every invariant first held (undefined: never). */
  finalAt: number | undefined;
  consistentAt: number | undefined;
  deadLettersReplayed: number;
}

/**
 * Waits for the shop to come to rest: once a second (the checker must not be the load that slows it down),
 * replays what was dead-lettered, reads a light snapshot and checks it; once that holds, one full snapshot
 * with every order's timeline decides. Gives up at the deadline with the last violations.
 */
async function settle(
  read: (timelines: boolean) => Promise<Snapshot>,
  expected: Expectations,
  replay: () => Promise<number>,
  deadlineMs: number,
): Promise<Settled> {
  const deadline = Date.now() + deadlineMs;
  const nothingYet: Snapshot = { orders: [], products: [], payments: [], shipments: [], deadLetters: [] };
  const state: Settled = {
    snapshot: nothingYet,
    violations: [],
    finalAt: undefined,
    consistentAt: undefined,
    deadLettersReplayed: 0,
  };
  for (;;) {
    state.deadLettersReplayed += await replay();
    state.snapshot = await read(false);
    state.violations = checkInvariants(state.snapshot, expected);
    if (!state.violations.some((v) => v.invariant === "order-final")) state.finalAt ??= Date.now();
    if (state.violations.length === 0) {
      state.snapshot = await read(true);
      state.violations = checkInvariants(state.snapshot, expected);
      if (state.violations.length === 0) {
        state.consistentAt = Date.now();
        return state;
      }
    }
    if (Date.now() > deadline) return state;
    await pause(1000);
  }
}

/** Replays every dead letter not yet replayed, as an operator would; returns how many it replayed. */
async function replayDeadLetters(url: string, token: string): Promise<number> {
  const waiting = await call("GET", `${url}/api/dead-letters?replayed=false&limit=100`, { token });
  let replayed = 0;
  for (const letter of waiting.body.dead_letters as { id: number }[]) {
    const answer = await call("POST", `${url}/api/dead-letters/${letter.id}/replay`, { token });
    if (answer.status === 200) replayed++;
  }
  return replayed;
}

export async function runChaos(settings: ChaosSettings): Promise<ChaosResult> {
  const random = seededRandom(settings.seed);
  const system = await startSystem({
    services: ["broker", ...FUNCTIONS],
    env: baseEnv(settings),
    ...(settings.replicas && { replicas: settings.replicas }),
  });
  try {
    const admin = await adminToken(system);
    const inventory = system.url("inventory");
    // Plenty of four products, little of two: those run out, so placements are refused and reservations race.
    const stock = [2000, 2000, 2000, 2000, 25, 25];
    const productIds = await Promise.all(stock.map((n, i) => newProduct(inventory, admin, n, 5 + i * 7.25)));
    const initialStock = Object.fromEntries(productIds.map((id, i) => [id, stock[i]!]));
    const shoppers = await Promise.all(Array.from({ length: 8 }, () => newShopper(system.url("customer"))));

    const load = startLoad({
      gateway: system.url("gateway"),
      shoppers,
      productIds,
      random,
      concurrency: settings.concurrency,
      pauseMs: settings.pauseMs,
      cancelShare: 0.1,
      requestDeadlineMs: 30_000,
    });
    const rounds = Array.from({ length: settings.rounds }, (_, round) => [
      ...shuffled(settings.victims, random).map((name) => killAndRestart(system, name, random)),
      ...(round === 0 ? settings.brokerFaults(system, random) : []),
    ]);
    const faults = await runFaults(rounds.flat(), settings.gapMs);
    await pause(settings.tailMs);
    const report = await load.stop();
    const stopped = Date.now();

    const expected: Expectations = {
      initialStock,
      customers: new Set(shoppers.map((s) => s.id)),
      acceptedOrders: report.placements.flatMap((p) => (p.orderId === undefined ? [] : [p.orderId])),
      unansweredPlacements: report.placements.filter((p) => p.outcome === "unanswered").length,
    };
    const sources = {
      order: system.url("order"),
      inventory,
      payment: system.url("payment"),
      shipping: system.url("shipping"),
      deadLetters: system.url("dead-letters"),
    };
    const settled = await settle(
      (timelines) => fetchSnapshot(sources, admin, { productIds, timelines }),
      expected,
      () => replayDeadLetters(sources.deadLetters, admin),
      settings.settleDeadlineMs,
    );

    const result: ChaosResult = {
      label: settings.label,
      seed: settings.seed,
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      load: loadFigures(report),
      faults,
      finalWithinMs: (settled.finalAt ?? Date.now()) - stopped,
      consistentWithinMs: settled.consistentAt ? settled.consistentAt - stopped : -1,
      deadLettersReplayed: settled.deadLettersReplayed,
      brokerLostEvents: system
        .service("broker")
        .logs.filter((line) => /event lost|event abandoned|undelivered events/.test(line)),
      shop: summarise(settled.snapshot, expected),
      violations: settled.violations,
      reportFile: join(process.env["CHAOS_REPORT_DIR"] ?? tmpdir(), `bazaar-chaos-${settings.label}.json`),
    };
    writeFileSync(result.reportFile, `${JSON.stringify(result, null, 2)}\n`);
    // Every process's log beside the report, to see what happened when an invariant did not hold.
    const logDir = result.reportFile.replace(/\.json$/, "-logs");
    mkdirSync(logDir, { recursive: true });
    for (const name of ["broker", ...FUNCTIONS] as DevService[])
      writeFileSync(join(logDir, `${name}.log`), `${system.service(name).logs.join("\n")}\n`);
    return result;
  } finally {
    await system.stop();
  }
}
