/**
 * Keeps one process running for the dev runner, as compose or Knative keep a container: start it, wait until
 * it is ready, and when it dies without being asked to, say so and start it again after a growing delay
 * (restart-policy.ts). It knows nothing of services or ports, only a ProcessSpec, so several replicas of one
 * function can each have their own.
 */
import type { ChildProcess } from "node:child_process";
import { delayBefore, restartPolicy, seconds, type RestartPolicy } from "./restart-policy";
import { stopProcess } from "./services";

export interface ProcessSpec {
  /** Its name in the runner's output: a service ("payment"), or one replica of it ("payment-2"). */
  name: string;
  /** Starts it; every line it prints goes to onLine. */
  spawn(onLine: (line: string) => void): ChildProcess;
  /** Resolves once it is ready; rejects when it exits first or after timeoutMs. */
  waitReady(child: ChildProcess, timeoutMs: number): Promise<void>;
}

export type Tone = "info" | "warn" | "alert";

/** Where a supervisor writes: the process's own lines, and what the supervisor has to say about it. */
export interface SupervisorOutput {
  line(text: string): void;
  notice(text: string, tone: Tone): void;
}

export interface Supervised {
  readonly name: string;
  /** How its first start ended. */
  readonly started: Promise<"ready" | "crash loop" | "stopped">;
  /** Settles when the supervisor is done with it: it gave up on a crash loop, or stop() was called. */
  readonly ended: Promise<"crash loop" | "stopped">;
  /** Stops restarting it, SIGTERMs it (it drains) and waits until it has exited. */
  stop(): Promise<void>;
}

/** Lines kept from its latest run, shown when it is given up on: the reason is usually among them. */
const LAST_LINES = 20;
/**
 * How long an exit waits before it counts as a crash. Ctrl-C reaches every process of the terminal's group at
 * once, and a function may finish draining before the runner has run its own handler and called stop().
 */
const SETTLE_MS = 250;

export function supervise(
  spec: ProcessSpec,
  out: SupervisorOutput,
  policy: RestartPolicy = restartPolicy,
): Supervised {
  const started = settleOnce<"ready" | "crash loop" | "stopped">();
  const ended = settleOnce<"crash loop" | "stopped">();
  let child: ChildProcess | undefined;
  let exited: Promise<Exit> = Promise.resolve({ how: "not started", at: 0 });
  let restartTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let lastLines: string[] = [];
  let restarts = 0; // in the current streak, which sets the delay
  let failedStarts = 0; // exits in a row before it was ready
  let readyAt: number | undefined;
  let downSince: number | undefined;

  function start(): void {
    readyAt = undefined;
    lastLines = [];
    const current = spec.spawn((line) => {
      lastLines.push(line);
      if (lastLines.length > LAST_LINES) lastLines.shift();
      out.line(line);
    });
    child = current;
    exited = exitOf(current);
    void exited.then(async ({ how, at }) => {
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      onExit(current, how, at);
    });
    void awaitReady(current);
  }

  async function awaitReady(current: ChildProcess, warned = false): Promise<void> {
    try {
      await spec.waitReady(current, warned ? Infinity : policy.readyWarningMs);
    } catch {
      if (stopping || current !== child || !isRunning(current)) return; // its exit is onExit's business
      // Kubernetes does not kill a pod for being unready either: it may be waiting for something.
      out.notice(`not ready after ${seconds(policy.readyWarningMs)}; still waiting`, "warn");
      return awaitReady(current, true);
    }
    if (stopping || current !== child || !isRunning(current)) return;
    readyAt = Date.now();
    failedStarts = 0;
    const pid = `(pid ${String(current.pid)})`;
    out.notice(
      downSince === undefined ? `ready ${pid}` : `back up after ${seconds(readyAt - downSince)} ${pid}`,
      "info",
    );
    downSince = undefined;
    started.settle("ready");
  }

  function onExit(current: ChildProcess, how: string, at: number): void {
    if (stopping || current !== child) return;
    child = undefined;
    downSince ??= at;
    if (readyAt === undefined) failedStarts += 1;
    else if (at - readyAt >= policy.stableAfterMs) restarts = 0;
    if (failedStarts >= policy.failedStartsLimit) return giveUp(how);

    restarts += 1;
    const delay = delayBefore(restarts, policy);
    const early =
      readyAt === undefined
        ? ` before it was ready (${failedStarts} of ${policy.failedStartsLimit} in a row)`
        : "";
    out.notice(`exited (${how})${early}; restarting in ${seconds(delay)} (restart ${restarts})`, "warn");
    restartTimer = setTimeout(start, Math.max(0, at + delay - Date.now()));
  }

  function giveUp(how: string): void {
    out.notice(
      `crash loop: exited ${failedStarts} times in a row before it was ready, the last time with ${how}. ` +
        "Not restarting it; the others keep running. Its last lines:",
      "alert",
    );
    for (const line of lastLines) out.notice(`  ${line}`, "alert");
    started.settle("crash loop");
    ended.settle("crash loop");
  }

  start();
  return {
    name: spec.name,
    started: started.promise,
    ended: ended.promise,
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      if (child) await stopProcess(child);
      await exited; // and its last lines (what it drained) are out
      started.settle("stopped");
      ended.settle("stopped");
    },
  };
}

const isRunning = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

interface Exit {
  /** "code 1" or "SIGKILL". */
  how: string;
  at: number;
}

/** How and when the process exited, once its last lines have been read too. */
function exitOf(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      const exit = { how: signal ?? `code ${String(code)}`, at: Date.now() };
      // 'close' comes once its output is read, unless a process it started still holds the pipes.
      const timer = setTimeout(() => resolve(exit), 1000);
      child.once("close", () => {
        clearTimeout(timer);
        resolve(exit);
      });
    });
  });
}

/** A promise settled by the first of several places that may settle it. */
function settleOnce<T>(): { promise: Promise<T>; settle: (value: T) => void } {
  let settle: (value: T) => void = () => undefined;
  const promise = new Promise<T>((resolve) => (settle = resolve));
  return { promise, settle: (value) => settle(value) };
}
