/**
 * `npm start` as a user runs it (tsx scripts/dev/start.ts), on ports moved clear of the other suites with
 * --port-offset: a function killed with SIGKILL comes back while the others keep answering, a function whose
 * port another program holds is reported as a crash loop while the others serve, and Ctrl-C drains every
 * process, exits 0 and leaves none behind.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayConfigSchema } from "../../functions/gateway/src/config";
import { defaultPorts, rootDir } from "../../scripts/dev/services";
import { serviceNames, type ServiceName } from "../../shared/config/services";

const GATEWAY_METRICS_PORT = gatewayConfigSchema.shape.GATEWAY_METRICS_PORT.parse(undefined);
/** Offsets that put every port between 20 000 and 32 000, below Linux's ephemeral range (see ports.ts). */
const OFFSETS = { from: 15_000, to: 22_000 };

const listen = (port: number): Promise<Server | undefined> =>
  new Promise((resolve) => {
    // Closes every connection at once: the runner's readiness probe must not take it for the function.
    const server = createServer((socket) => socket.destroy());
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });

/** An offset whose ports are all free, with `held` already taken by this test, as another program would. */
async function portsBesideOthers(held: ServiceName): Promise<{ offset: number; blocker: Server }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = OFFSETS.from + Math.floor(Math.random() * (OFFSETS.to - OFFSETS.from));
    const ports = [...serviceNames.map((s) => defaultPorts(offset)[s]), GATEWAY_METRICS_PORT + offset];
    const servers = await Promise.all(ports.map(listen));
    const blocker = servers[serviceNames.indexOf(held)];
    await Promise.all(servers.filter((s) => s !== blocker).map((s) => new Promise((r) => s?.close(r))));
    if (blocker && servers.every((s) => s !== undefined)) return { offset, blocker };
    blocker?.close();
  }
  throw new Error("no free ports for the runner");
}

describe("npm start supervises every function", () => {
  const killed: ServiceName = "inventory";
  const crashing: ServiceName = "shipping";
  const serving = serviceNames.filter((s) => s !== killed && s !== crashing);
  const lines: string[] = [];
  let dataDir: string;
  let blocker: Server;
  let runner: ChildProcess;
  let exited: Promise<number | null>;
  let urlOf: (service: ServiceName) => string;

  const find = (pattern: RegExp): RegExpExecArray | undefined =>
    lines.map((line) => pattern.exec(line)).find((match) => match !== null) ?? undefined;
  async function waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = find(pattern);
      if (match) return match;
      if (Date.now() > deadline || runner.exitCode !== null)
        throw new Error(`no line ${pattern} in:\n${lines.slice(-40).join("\n")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const readyz = async (service: ServiceName): Promise<number> =>
    (await fetch(`${urlOf(service)}/readyz`, { signal: AbortSignal.timeout(2000) })).status;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "bazaar-start-"));
    const ports = await portsBesideOthers(crashing);
    blocker = ports.blocker;
    urlOf = (service) => `http://127.0.0.1:${defaultPorts(ports.offset)[service]}`;
    // What `npm start -- --port-offset=N` runs; detached, so the runner and its processes form one group.
    runner = spawn(
      process.execPath,
      [
        join(rootDir, "node_modules/tsx/dist/cli.mjs"),
        "scripts/dev/start.ts",
        `--port-offset=${ports.offset}`,
      ],
      {
        cwd: rootDir,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          DATA_DIR: dataDir,
          ADMIN_EMAIL: "admin@test.local",
          ADMIN_PASSWORD: "admin-password-for-tests",
          PASSWORD_SCRYPT_COST: "1024",
          AMQP_URL: "",
          LOG_LEVEL: "info",
        },
      },
    );
    exited = new Promise((resolve) => runner.once("exit", (code) => resolve(code)));
    for (const stream of [runner.stdout, runner.stderr]) {
      let buffered = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        const split = (buffered + chunk).split("\n");
        buffered = split.pop() ?? "";
        lines.push(...split.map((line) => stripVTControlCharacters(line)));
      });
    }
  });

  afterAll(async () => {
    // A failed test may leave the runner up: take its whole group down, then the test's own port.
    if (runner.pid !== undefined && runner.exitCode === null) process.kill(-runner.pid, "SIGKILL");
    await new Promise((r) => blocker.close(r));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("reports a function that keeps failing to start as a crash loop, with why, and starts the rest", async () => {
    await waitFor(/^Bazaar is up without shipping \(crash loop, above\): gateway http:/, 80_000);
    expect(lines.filter((line) => line.startsWith("shipping") && line.includes("restarting in"))).toEqual(
      ["0.5", "1.0", "2.0", "4.0"].map(
        (delay, i) =>
          `shipping     | exited (code 1) before it was ready (${i + 1} of 5 in a row); ` +
          `restarting in ${delay} s (restart ${i + 1})`,
      ),
    );
    const report = lines.findIndex((line) =>
      line.includes("shipping     | crash loop: exited 5 times in a row"),
    );
    expect(report).toBeGreaterThan(-1);
    expect(lines.slice(report).join("\n")).toContain("shipping     |   Error: listen EADDRINUSE");
    for (const service of [...serving, killed]) expect(await readyz(service), service).toBe(200);
  }, 90_000);

  it("restarts a function killed with SIGKILL and says so, while the others keep answering", async () => {
    const pid = Number((await waitFor(/^inventory\s+\| ready \(pid (\d+)\)$/, 1000))[1]);
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
    const back = await waitFor(/^inventory\s+\| back up after \d+\.\d s \(pid (\d+)\)$/, 30_000);
    outage = false;
    await probing;
    expect(Number(back[1])).not.toBe(pid);
    expect(find(/^inventory\s+\| exited \(SIGKILL\); restarting in 0\.5 s \(restart 1\)$/)).toBeDefined();
    expect(failures).toEqual([]);
    expect(probes).toBeGreaterThanOrEqual(serving.length);
    expect((await fetch(`${urlOf("inventory")}/api/products`)).status).toBe(200);
    expect((await fetch(`${urlOf("gateway")}/api/products`)).status).toBe(200);
  }, 40_000);

  it("stops on SIGINT: every process drains, the runner exits 0 and leaves no process behind", async () => {
    const pids = lines.flatMap((line) =>
      [...line.matchAll(/\(pid (\d+)\)/g)].map((match) => Number(match[1])),
    );
    runner.kill("SIGINT"); // the runner alone, so it must stop the rest itself
    expect(await exited).toBe(0);

    expect(lines).toContain("Stopping: every process drains, then exits.");
    for (const service of [...serving, killed])
      expect(find(new RegExp(`^${service}\\s+\\| .* draining signal=SIGTERM`)), service).toBeDefined();
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
    const group = -(runner.pid ?? 0);
    for (let wait = 0; wait < 30 && alive(group); wait++) await new Promise((r) => setTimeout(r, 100));
    expect(
      alive(group) ? execFileSync("ps", ["-o", "pid,args", "-g", String(-group)], { encoding: "utf8" }) : "",
    ).toBe("");
  }, 30_000);
});
