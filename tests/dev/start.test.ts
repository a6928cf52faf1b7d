/**
 * `npm start` as a user runs it (tsx scripts/dev/start.ts), on ports moved clear of the other suites with
 * --port-offset: a function killed with SIGKILL comes back while the others keep answering, a function whose
 * port another program holds is reported as a crash loop while the others serve, and Ctrl-C drains every
 * process, exits 0 and leaves none behind.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devServices, type DevService } from "../../scripts/dev/services";
import { freeOffset, startRunner, type Runner } from "../support/runner";

describe("npm start supervises every function", () => {
  const killed: DevService = "inventory";
  const crashing: DevService = "shipping";
  const serving = devServices.filter((s) => s !== killed && s !== crashing);
  let dataDir: string;
  let blocker: Server | undefined;
  let runner: Runner;
  const readyz = async (service: DevService): Promise<number> =>
    (await fetch(`${runner.urlOf(service)}/readyz`, { signal: AbortSignal.timeout(2000) })).status;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "bazaar-start-"));
    const ports = await freeOffset(crashing);
    blocker = ports.blocker;
    runner = startRunner({ offset: ports.offset, dataDir });
  });

  afterAll(async () => {
    runner.kill(); // a failed test may leave the runner up
    await new Promise((r) => blocker?.close(r));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("reports a function that keeps failing to start as a crash loop, with why, and starts the rest", async () => {
    await runner.waitFor(/^Bazaar is up without shipping \(crash loop, above\): gateway http:/, 80_000);
    expect(
      runner.lines.filter((line) => line.startsWith("shipping") && line.includes("restarting in")),
    ).toEqual(
      ["0.5", "1.0", "2.0", "4.0"].map(
        (delay, i) =>
          `shipping     | exited (code 1) before it was ready (${i + 1} of 5 in a row); ` +
          `restarting in ${delay} s (restart ${i + 1})`,
      ),
    );
    const report = runner.lines.findIndex((line) =>
      line.includes("shipping     | crash loop: exited 5 times in a row"),
    );
    expect(report).toBeGreaterThan(-1);
    expect(runner.lines.slice(report).join("\n")).toContain("shipping     |   Error: listen EADDRINUSE");
    for (const service of [...serving, killed]) expect(await readyz(service), service).toBe(200);
  }, 90_000);

  it("restarts a function killed with SIGKILL and says so, while the others keep answering", async () => {
    const pid = Number((await runner.waitFor(/^inventory\s+\| ready \(pid (\d+)\)$/, 1000))[1]);
    const failures: string[] = [];
    let probes = 0;
    let outage = true;
    const probing = (async () => {
      while (outage) {
        for (const service of serving) {
          probes++;
          const status = await readyz(service).catch((error: unknown) => String(error));
          if (status !== 200) failures.push(`${service}: ${status}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    process.kill(pid, "SIGKILL");
    const back = await runner.waitFor(/^inventory\s+\| back up after \d+\.\d s \(pid (\d+)\)$/, 30_000);
    outage = false;
    await probing;
    expect(Number(back[1])).not.toBe(pid);
    expect(
      runner.find(/^inventory\s+\| exited \(SIGKILL\); restarting in 0\.5 s \(restart 1\)$/),
    ).toBeDefined();
    expect(failures).toEqual([]);
    expect(probes).toBeGreaterThanOrEqual(serving.length);
    expect((await fetch(`${runner.urlOf("inventory")}/api/products`)).status).toBe(200);
    expect((await fetch(`${runner.urlOf("gateway")}/api/products`)).status).toBe(200);
  }, 40_000);

  it("stops on SIGINT: every process drains, the runner exits 0 and leaves no process behind", async () => {
    const pids = runner.lines.flatMap((line) =>
      [...line.matchAll(/\(pid (\d+)\)/g)].map((match) => Number(match[1])),
    );
    runner.process.kill("SIGINT"); // the runner alone, so it must stop the rest itself
    expect(await runner.exited).toBe(0);

    expect(runner.lines).toContain("Stopping: every process drains, then exits.");
    for (const service of [...serving, killed])
      expect(runner.find(new RegExp(`^${service}\\s+\\| .* draining signal=SIGTERM`)), service).toBeDefined();
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(pids.filter(alive)).toEqual([]);
    // Nothing is left in the runner's process group either (tsx's esbuild helpers included).
    const group = -(runner.process.pid ?? 0);
    for (let wait = 0; wait < 30 && alive(group); wait++) await new Promise((r) => setTimeout(r, 100));
    expect(
      alive(group) ? execFileSync("ps", ["-o", "pid,args", "-g", String(-group)], { encoding: "utf8" }) : "",
    ).toBe("");
  }, 30_000);
});
