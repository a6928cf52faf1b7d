import type { Context, Hono } from "hono";
import type { AppEnv } from "../http";
import type { Logger, Metrics } from "../observability";

/** What one run did, as counts (or the ids it acted on): the route's JSON answer and the log line's fields. */
export type JobResult = Readonly<Record<string, number | readonly number[]>>;

export interface JobSpec {
  /** The job's name: its route is POST /tasks/<name>, its log lines and metrics carry it. */
  name: string;
  /** One pass of the work. Safe with many replicas at once: it claims what it works on. */
  run: () => Promise<JobResult>;
  logger: Logger;
  metrics: Metrics;
}

export interface Job {
  readonly name: string;
  /** POST /tasks/<name>: where a PingSource calls it (a scaled-to-zero function has no timer). */
  readonly path: string;
  /** One logged, counted run; "timer" or "task" (the route) says who asked. A failure is logged and thrown. */
  run(trigger: "timer" | "task"): Promise<JobResult>;
  /** The route's handler: runs the job and answers its result (a failure answers 500 like any error). */
  handle(c: Context<AppEnv>): Promise<Response>;
}

/**
 * A periodic job (the outbox relay's tick, the payment settlement, the order sweep): the timer and the
 * `/tasks/<name>` route run the same code and log the same way. Each run logs one "job finished" line with
 * its result (info when it did something, debug when it found nothing to do, so an idle timer stays quiet)
 * and counts in job_runs_total{task, result}; a failure logs an error.
 */
export function defineJob(spec: JobSpec): Job {
  const { name, logger } = spec;
  const runs = spec.metrics.jobRuns;
  return {
    name,
    path: `/tasks/${name}`,
    async run(trigger) {
      const started = performance.now();
      try {
        const result = await spec.run();
        const ms = Math.round(performance.now() - started);
        runs.inc({ task: name, result: "ok" });
        const level = didSomething(result) ? "info" : "debug";
        logger[level]({ job: name, trigger, ...result, ms }, "job finished");
        return result;
      } catch (error) {
        runs.inc({ task: name, result: "failed" });
        logger.error({ err: error, job: name, trigger }, "job failed");
        throw error;
      }
    },
    async handle(c) {
      return c.json(await this.run("task"));
    },
  };
}

const didSomething = (result: JobResult): boolean =>
  Object.values(result).some((value) => (typeof value === "number" ? value > 0 : value.length > 0));

/** Mounts each job's POST /tasks/<name> (cluster-local: the gateway does not route /tasks). */
export function mountJobs(app: Hono<AppEnv>, jobs: readonly Job[]): void {
  for (const job of jobs) app.post(job.path, (c) => job.handle(c));
}

export interface JobTimer {
  job: Job;
  /** 0 turns the timer off (a cluster: PingSources call the route instead). */
  intervalMs: number;
  /** Run once right away too (work a previous run left, e.g. pending charges). */
  atStart?: boolean;
}

export interface JobTimers {
  /** Adds a job's timer; it starts with start(), or at once when start() was called already. */
  schedule(timer: JobTimer): void;
  start(): void;
  /** Clears the timers and waits for the runs under way. */
  stop(): Promise<void>;
}

/**
 * Runs each job on its timer. A tick while the previous run of the same job is still going is skipped, so a
 * slow run never piles up behind itself; replicas may run at the same moment (each job claims its rows).
 */
export function createJobTimers(): JobTimers {
  const scheduled: JobTimer[] = [];
  const intervals: NodeJS.Timeout[] = [];
  const running = new Map<string, Promise<unknown>>();
  let started = false;
  const tick = (job: Job): void => {
    if (running.has(job.name)) return;
    const run = job
      .run("timer")
      .catch(() => undefined) // logged by run
      .finally(() => running.delete(job.name));
    running.set(job.name, run);
  };
  const begin = ({ job, intervalMs, atStart }: JobTimer): void => {
    if (atStart) tick(job);
    if (intervalMs <= 0) return;
    const interval = setInterval(() => tick(job), intervalMs);
    interval.unref();
    intervals.push(interval);
  };
  return {
    schedule(timer) {
      scheduled.push(timer);
      if (started) begin(timer);
    },
    start() {
      if (started) return;
      started = true;
      scheduled.forEach(begin);
    },
    async stop() {
      for (const interval of intervals.splice(0)) clearInterval(interval);
      await Promise.all(running.values());
    },
  };
}
