import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { gatewayConfigSchema } from "../../functions/gateway/src/config";
import { REPLICA_PORT_STEP } from "../../scripts/dev/options";
import { defaultPorts, rootDir, devServices, type DevService } from "../../scripts/dev/services";
import { ADMIN } from "./system";

const GATEWAY_METRICS_PORT = gatewayConfigSchema.shape.GATEWAY_METRICS_PORT.parse(undefined);
/** Offsets that put every port between 20 000 and 32 000, below Linux's ephemeral range (see ports.ts). */
const OFFSETS = { from: 15_000, to: 22_000 };

/** 1..n */
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

const listen = (port: number): Promise<Server | undefined> =>
  new Promise((resolve) => {
    // Closes every connection at once: the runner's readiness probe must not take it for the function.
    const server = createServer((socket) => socket.destroy());
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });

/**
 * A port offset whose ports are all free; with `held`, that service's port is kept taken by the caller, as
 * another program would hold it.
 */
export async function freeOffset(
  held?: DevService,
  replicas = 1,
): Promise<{ offset: number; blocker: Server | undefined }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = OFFSETS.from + Math.floor(Math.random() * (OFFSETS.to - OFFSETS.from));
    const base = [...devServices.map((s) => defaultPorts(offset)[s]), GATEWAY_METRICS_PORT + offset];
    // Replicas listen above their function's port (and the gateway's metrics port): those must be free too.
    const above =
      replicas > 1 ? base.flatMap((port) => range(replicas).map((i) => port + i * REPLICA_PORT_STEP)) : [];
    const ports = [...base, ...above];
    const servers = await Promise.all(ports.map(listen));
    const blocker = held ? servers[devServices.indexOf(held)] : undefined;
    await Promise.all(servers.filter((s) => s !== blocker).map((s) => new Promise((r) => s?.close(r))));
    if (servers.every((s) => s !== undefined)) return { offset, blocker };
    blocker?.close();
  }
  throw new Error("no free ports for the runner");
}

/** `npm start -- --port-offset=N` running, and what it printed so far (colours stripped). */
export interface Runner {
  process: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  urlOf(service: DevService): string;
  find(pattern: RegExp): RegExpExecArray | undefined;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** The pid the runner last reported for a service ("ready (pid N)" or "back up after ... (pid N)"). */
  pidOf(name: DevService | `${DevService}-${number}`): number;
  /** Takes the runner's whole process group down at once (after a failed test). */
  kill(): void;
}

/** Starts what `npm start` runs, detached, so the runner and its processes form one process group. */
export function startRunner(options: {
  offset: number;
  dataDir: string;
  /** More of the runner's options, e.g. --replicas=2. */
  args?: string[];
  /** More environment for every process it starts. */
  env?: Record<string, string>;
}): Runner {
  const child = spawn(
    process.execPath,
    [
      join(rootDir, "node_modules/tsx/dist/cli.mjs"),
      "scripts/dev/start.ts",
      `--port-offset=${options.offset}`,
      ...(options.args ?? []),
    ],
    {
      cwd: rootDir,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        DATA_DIR: options.dataDir,
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        PASSWORD_SCRYPT_COST: "1024",
        AMQP_URL: "",
        LOG_LEVEL: "info",
        ...options.env,
      },
    },
  );
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const split = (buffered + chunk).split("\n");
      buffered = split.pop() ?? "";
      lines.push(...split.map((line) => stripVTControlCharacters(line)));
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const find = (pattern: RegExp): RegExpExecArray | undefined =>
    lines.map((line) => pattern.exec(line)).find((match) => match !== null) ?? undefined;
  return {
    process: child,
    lines,
    exited,
    urlOf: (service) => `http://127.0.0.1:${defaultPorts(options.offset)[service]}`,
    find,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = find(pattern);
        if (match) return match;
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no line ${pattern} in:\n${lines.slice(-40).join("\n")}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    pidOf(service) {
      const pattern = new RegExp(`^${service}\\s+\\| (?:ready|back up after [\\d.]+ s) \\(pid (\\d+)\\)$`);
      const last = lines
        .map((line) => pattern.exec(line))
        .filter((match) => match !== null)
        .at(-1);
      if (!last) throw new Error(`${service} has not reported a pid`);
      return Number(last[1]);
    },
    kill() {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    },
  };
}
