import type { DevService } from "../../scripts/dev/services";
import { pause } from "../support/http";
import type { Random } from "../support/random";
import type { System } from "../support/system";

/**
 * The faults of a chaos run, one after another while the load goes on: a process killed with SIGKILL (no
 * drain, no goodbye) and started again on its port and data folder, or any other restart the run names.
 */

export interface Fault {
  /** What was hit, e.g. "order" or "rabbitmq". */
  target: string;
  /** How: "kill -9", "rabbitmqctl stop_app/start_app". */
  how: string;
  /** Milliseconds into the run when it was hit. */
  atMs: number;
  /** Milliseconds from the hit until it answered /readyz again. */
  outageMs: number;
}

export interface FaultStep {
  target: string;
  how: string;
  /** Takes the target down and brings it back; resolves once it is ready. */
  run(): Promise<void>;
}

/**
 * SIGKILL, a short random pause (requests and deliveries pile up against it), then a fresh start. With
 * replicas, one of them, chosen at random, as a pod dies while its siblings serve.
 */
export const killAndRestart = (system: System, name: DevService, random: Random): FaultStep => ({
  target: name,
  how: "kill -9",
  async run() {
    const replicas = system.replicas(name);
    const service =
      replicas.length === 1 ? system.service(name) : replicas[random.int(0, replicas.length - 1)]!;
    await service.stop("SIGKILL");
    await pause(random.int(200, 1000));
    await service.start();
  },
});

/**
 * Several processes killed with SIGKILL one after another, each while the ones before are still down (e.g. a
 * subscriber and then the broker that holds its events), then all started again, the first one last.
 */
export const killTogether = (system: System, names: DevService[], random: Random): FaultStep => ({
  target: names.join("+"),
  how: "kill -9",
  async run() {
    for (const name of names) {
      await system.service(name).stop("SIGKILL");
      await pause(random.int(200, 1000));
    }
    for (const name of [...names].reverse()) await system.service(name).start();
  },
});

/** Runs the steps in order, `gapMs` apart, and says when each hit and how long each outage lasted. */
export async function runFaults(steps: readonly FaultStep[], gapMs: number): Promise<Fault[]> {
  const started = Date.now();
  const faults: Fault[] = [];
  for (const step of steps) {
    await pause(gapMs);
    const hit = Date.now();
    await step.run();
    faults.push({ target: step.target, how: step.how, atMs: hit - started, outageMs: Date.now() - hit });
  }
  return faults;
}
