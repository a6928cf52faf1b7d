import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHttpApp } from "../http/app";
import { createMetrics, type Metrics } from "../observability";
import { createJobTimers, defineJob, mountJobs, type JobResult } from "./jobs";

/** The log lines, as JSON. */
let lines: { level: number; msg: string; job?: string; trigger?: string; [field: string]: unknown }[];
let metrics: Metrics;
const logger = () => pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
const INFO = 30;
const DEBUG = 20;
const ERROR = 50;

beforeEach(() => {
  lines = [];
  metrics = createMetrics("test");
});
afterEach(() => vi.useRealTimers());

const runsOf = async (result: string) =>
  (await metrics.jobRuns.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
const finished = () => lines.filter((line) => line.msg === "job finished");

describe("defineJob", () => {
  it("logs one line per run with its result: info when it did something, debug when it found nothing", async () => {
    let result: JobResult = { cancelled: [4, 9] };
    const job = defineJob({ name: "sweep", run: async () => result, logger: logger(), metrics });
    expect(job.path).toBe("/tasks/sweep");
    expect(await job.run("timer")).toEqual({ cancelled: [4, 9] });
    result = { cancelled: [] };
    await job.run("timer");
    expect(
      finished().map(({ level, job, trigger, cancelled }) => ({ level, job, trigger, cancelled })),
    ).toEqual([
      { level: INFO, job: "sweep", trigger: "timer", cancelled: [4, 9] },
      { level: DEBUG, job: "sweep", trigger: "timer", cancelled: [] },
    ]);
    expect(await runsOf("ok")).toBe(2);
    // `task`, not `job`: Prometheus keeps `job` for the scrape target's own label.
    expect((await metrics.jobRuns.get()).values.map((v) => v.labels)).toEqual([
      { task: "sweep", result: "ok" },
    ]);
  });

  it("logs and counts a failed run, and throws it on", async () => {
    const job = defineJob({
      name: "settle",
      run: () => Promise.reject(new Error("database locked")),
      logger: logger(),
      metrics,
    });
    await expect(job.run("timer")).rejects.toThrow("database locked");
    const [failure] = lines.filter((line) => line.msg === "job failed");
    expect(failure).toMatchObject({ level: ERROR, job: "settle", err: { message: "database locked" } });
    expect(await runsOf("failed")).toBe(1);
  });

  it("answers POST /tasks/<name> with the run's result, logged as the timer's runs are", async () => {
    const app = createHttpApp({ service: "test", logger: logger(), metrics, bodyLimitBytes: 1024 });
    const job = defineJob({ name: "outbox", run: async () => ({ published: 3 }), logger: logger(), metrics });
    mountJobs(app, [job]);
    const response = await app.request("/tasks/outbox", { method: "POST" });
    expect([response.status, await response.json()]).toEqual([200, { published: 3 }]);
    expect(finished()).toMatchObject([{ level: INFO, job: "outbox", trigger: "task", published: 3 }]);
  });

  it("answers a failed run with a problem, not the error's text", async () => {
    const app = createHttpApp({ service: "test", logger: logger(), metrics, bodyLimitBytes: 1024 });
    const job = defineJob({
      name: "outbox",
      run: () => Promise.reject(new Error("secret detail")),
      logger: logger(),
      metrics,
    });
    mountJobs(app, [job]);
    const response = await app.request("/tasks/outbox", { method: "POST" });
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("secret detail");
  });
});

describe("createJobTimers", () => {
  it("runs a job at start when asked, then on each tick, skipping ticks while a run is still going", async () => {
    vi.useFakeTimers();
    const release: (() => void)[] = [];
    let runs = 0;
    const job = defineJob({
      name: "settle",
      run: () => {
        runs += 1;
        return new Promise<JobResult>((resolve) => release.push(() => resolve({ started: 1 })));
      },
      logger: logger(),
      metrics,
    });
    const timers = createJobTimers();
    timers.schedule({ job, intervalMs: 1000, atStart: true });
    timers.start();
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(3000); // three ticks while the first run is still going
    expect(runs).toBe(1);
    release.shift()?.();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    const stopped = timers.stop();
    release.shift()?.();
    await stopped; // waited for the run under way
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(2);
  });

  it("leaves a job with interval 0 to its route (a cluster's PingSource)", async () => {
    vi.useFakeTimers();
    let runs = 0;
    const job = defineJob({
      name: "sweep",
      run: async () => ({ cancelled: runs++ }),
      logger: logger(),
      metrics,
    });
    const timers = createJobTimers();
    timers.schedule({ job, intervalMs: 0 });
    timers.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toBe(0);
    await timers.stop();
  });

  it("keeps ticking after a failed run", async () => {
    vi.useFakeTimers();
    let runs = 0;
    const job = defineJob({
      name: "outbox",
      run: async () => {
        runs += 1;
        if (runs === 1) throw new Error("broker down");
        return { published: 1 };
      },
      logger: logger(),
      metrics,
    });
    const timers = createJobTimers();
    timers.schedule({ job, intervalMs: 1000 });
    timers.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(runs).toBe(2);
    expect(await runsOf("failed")).toBe(1);
    await timers.stop();
  });
});
