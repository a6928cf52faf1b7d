import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import type { RestartPolicy } from "./restart-policy";
import { supervise, type ProcessSpec, type Supervised, type Tone } from "./supervisor";

/** restartPolicy's shape, in tenths of its time, so a test sees several restarts in a second or two. */
const quick: RestartPolicy = {
  firstDelayMs: 100,
  maxDelayMs: 400,
  stableAfterMs: 1500,
  failedStartsLimit: 3,
  readyWarningMs: 10_000,
};

/** A real process running `script`; it counts as ready once it prints "ready". */
function nodeProcess(name: string, script: string): ProcessSpec & { spawned: ChildProcess[] } {
  const spawned: ChildProcess[] = [];
  return {
    name,
    spawned,
    spawn(onLine) {
      const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
      for (const stream of [child.stdout, child.stderr])
        stream.on("data", (chunk: Buffer) => chunk.toString().trim().split("\n").forEach(onLine));
      spawned.push(child);
      return child;
    },
    waitReady: (child) =>
      new Promise((resolve, reject) => {
        child.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
        child.once("exit", () => reject(new Error("exited")));
      }),
  };
}

const SERVES = `console.log("ready"); setInterval(() => {}, 1000);`;
// Written with a callback: a pipe is asynchronous, and process.exit() would drop what is still queued.
const DRAINS = `process.on("SIGTERM", () => process.stdout.write("drained\\n", () => process.exit(0))); ${SERVES}`;
const BAD_SETTING = `console.error("PORT: must be a number"); process.exit(78);`;

interface Said {
  text: string;
  tone: Tone | "line";
}

const running: Supervised[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

function watch(spec: ProcessSpec, policy = quick): { supervised: Supervised; said: Said[] } {
  const said: Said[] = [];
  const supervised = supervise(
    spec,
    { line: (text) => said.push({ text, tone: "line" }), notice: (text, tone) => said.push({ text, tone }) },
    policy,
  );
  running.push(supervised);
  return { supervised, said };
}

const notices = (said: Said[]): string[] => said.filter((s) => s.tone !== "line").map((s) => s.text);

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pidOf = (child: ChildProcess | undefined): number => {
  if (child?.pid === undefined) throw new Error("no process");
  return child.pid;
};

describe("supervise", () => {
  it("restarts a process that dies, each time later, and says when it is back", async () => {
    const spec = nodeProcess("payment", SERVES);
    const { supervised, said } = watch(spec);
    expect(await supervised.started).toBe("ready");
    expect(notices(said)).toEqual([`ready (pid ${pidOf(spec.spawned[0])})`]);

    for (const [restart, delay] of [
      [1, "0.1 s"],
      [2, "0.2 s"],
    ] as const) {
      process.kill(pidOf(spec.spawned.at(-1)), "SIGKILL");
      await until(() => notices(said).length === 1 + 2 * restart);
      expect(notices(said).slice(-2)).toEqual([
        `exited (SIGKILL); restarting in ${delay} (restart ${restart})`,
        expect.stringMatching(
          new RegExp(`^back up after \\d+\\.\\d s \\(pid ${pidOf(spec.spawned[restart])}\\)$`),
        ),
      ]);
    }
    expect(said.filter((s) => s.tone === "warn")).toHaveLength(2);
  });

  it("forgets the delay once the process has stayed up for stableAfterMs", async () => {
    const spec = nodeProcess("payment", SERVES);
    const { said } = watch(spec, { ...quick, stableAfterMs: 300 });
    await until(() => notices(said).length === 1);
    for (let kill = 1; kill <= 2; kill++) {
      await new Promise((r) => setTimeout(r, 400));
      process.kill(pidOf(spec.spawned.at(-1)), "SIGKILL");
      await until(() => notices(said).length === 1 + 2 * kill);
    }
    expect(notices(said).filter((text) => text.startsWith("exited"))).toEqual([
      "exited (SIGKILL); restarting in 0.1 s (restart 1)",
      "exited (SIGKILL); restarting in 0.1 s (restart 1)",
    ]);
  });

  it("keeps restarting a process that crashes after it was ready, at the capped delay", async () => {
    const spec = nodeProcess("order", `console.log("ready"); setTimeout(() => process.exit(1), 150);`);
    const { said } = watch(spec, { ...quick, maxDelayMs: 200 });
    await until(() => notices(said).filter((text) => text.startsWith("exited")).length === 4);
    expect(notices(said).filter((text) => text.startsWith("exited"))).toEqual([
      "exited (code 1); restarting in 0.1 s (restart 1)",
      "exited (code 1); restarting in 0.2 s (restart 2)",
      "exited (code 1); restarting in 0.2 s (restart 3)",
      "exited (code 1); restarting in 0.2 s (restart 4)",
    ]);
    expect(notices(said).join("\n")).not.toContain("crash loop");
  });

  it("gives up on a process that exits before it is ready, and shows why in red", async () => {
    const spec = nodeProcess("shipping", BAD_SETTING);
    const { supervised, said } = watch(spec);
    expect(await supervised.started).toBe("crash loop");
    expect(await supervised.ended).toBe("crash loop");
    expect(notices(said)).toEqual([
      "exited (code 78) before it was ready (1 of 3 in a row); restarting in 0.1 s (restart 1)",
      "exited (code 78) before it was ready (2 of 3 in a row); restarting in 0.2 s (restart 2)",
      "crash loop: exited 3 times in a row before it was ready, the last time with code 78. " +
        "Not restarting it; the others keep running. Its last lines:",
      "  PORT: must be a number",
    ]);
    expect(said.filter((s) => s.tone === "alert")).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 500));
    expect(spec.spawned).toHaveLength(3);
  });

  it("stop() drains the process, waits for its last lines and restarts nothing", async () => {
    const spec = nodeProcess("customer", DRAINS);
    const { supervised, said } = watch(spec);
    await supervised.started;
    await supervised.stop();
    expect(said.at(-1)).toEqual({ text: "drained", tone: "line" });
    expect(spec.spawned[0]?.exitCode).toBe(0);
    expect(await supervised.ended).toBe("stopped");
    await new Promise((r) => setTimeout(r, 300));
    expect(spec.spawned).toHaveLength(1);
  });

  it("stop() during the delay before a restart cancels the restart", async () => {
    const spec = nodeProcess("customer", SERVES);
    const { supervised, said } = watch(spec, { ...quick, firstDelayMs: 1000 });
    await supervised.started;
    process.kill(pidOf(spec.spawned[0]), "SIGKILL");
    await until(() => notices(said).some((text) => text.startsWith("exited")));
    await supervised.stop();
    await new Promise((r) => setTimeout(r, 1200));
    expect(spec.spawned).toHaveLength(1);
  });
});
