import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { BROKER_DEV_PORT } from "../../broker/config";
import { devPorts, urlVariableOf, type ServiceName } from "../../shared/config/services";

export const rootDir = resolve(import.meta.dirname, "../..");

/** What `npm start` runs: every function, and the dev broker, which is a program of its own (broker/). */
export type DevService = ServiceName | "broker";

/** In start order: the broker and the key holder (customer) first, the gateway last. */
export const devServices: readonly DevService[] = [
  "broker",
  "customer",
  "inventory",
  "order",
  "payment",
  "shipping",
  "notification",
  "dead-letters",
  "gateway",
];

/** Each one's port in dev: the functions' from shared/config, the broker's own. */
export const devServicePorts: Readonly<Record<DevService, number>> = { ...devPorts, broker: BROKER_DEV_PORT };

/** The entry of each service: a function's server.ts, or the dev broker. */
export const entryOf = (service: DevService): string =>
  service === "broker"
    ? join(rootDir, "broker/server.ts")
    : join(rootDir, "functions", service, "src/server.ts");

/** Services whose code exists in this checkout, in start order (the broker and customer first). */
export const availableServices = (): DevService[] =>
  devServices.filter((service) => existsSync(entryOf(service)));

/**
 * The environment that wires services to each other on one machine: each gets its PORT, every other
 * service's URL, the broker as K_SINK and the customer's JWKS; the customer believes the client address
 * the gateway names, since the gateway is a proxy on this machine. Every gateway replica counts its rate
 * limits in one libSQL file under the data folder, so they share one limit (a Redis URL, if given, wins).
 */
export function wiringEnv(
  ports: Record<DevService, number>,
  service: DevService,
  services: DevService[],
  /** Where the gateway keeps its rate-limit counters; none: in its memory (one gateway only, the benchmarks). */
  dataDir?: string,
): Record<string, string> {
  const url = (s: DevService) => `http://127.0.0.1:${ports[s]}`;
  const env: Record<string, string> = { PORT: String(ports[service]), K_SERVICE: service };
  for (const other of services) if (other !== "broker") env[urlVariableOf(other)] = url(other);
  if (services.includes("broker") && service !== "broker") env["K_SINK"] = url("broker");
  env["JWKS_URL"] = `${url("customer")}/.well-known/jwks.json`;
  if (service === "customer" && services.includes("gateway")) env["CUSTOMER_TRUSTED_PROXIES"] = "127.0.0.1";
  if (service === "gateway" && dataDir !== undefined)
    env["RATE_LIMIT_DATABASE_URL"] = `file:${join(dataDir, "rate-limits.db")}`;
  return env;
}

/** The original ports, or all moved by `offset` so that a second copy (or a test) can run beside them. */
export function defaultPorts(offset = 0): Record<DevService, number> {
  const ports: Record<DevService, number> = { ...devServicePorts };
  for (const service of devServices) ports[service] += offset;
  return ports;
}

/** Starts one service under tsx; its stdout and stderr arrive line by line. */
export function spawnService(
  service: DevService,
  env: Record<string, string>,
  onLine: (line: string) => void,
  options: { watch?: boolean } = {},
): ChildProcess {
  // With `watch` (npm run dev), Node restarts the service whenever a file it imported changes.
  const args = [...(options.watch ? ["--watch"] : []), "--import", "tsx", entryOf(service)];
  const child = spawn(process.execPath, args, {
    cwd: rootDir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    });
  }
  return child;
}

/** Polls /readyz until the service itself answers 200, the process dies, or the deadline passes. */
export async function waitUntilReady(
  url: string,
  child: ChildProcess,
  timeoutMs = 30_000,
  /** When given, only that service's answer counts (not another process that holds the port). */
  service?: DevService,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // A process killed by a signal has no exit code, only a signal code.
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `${url} exited with ${child.signalCode ?? `code ${child.exitCode}`} before it was ready`,
      );
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
      const body = (await response.json().catch(() => ({}))) as { service?: string };
      if (response.ok && (service === undefined || body.service === service)) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms`);
}

export async function stopProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
  timeoutMs = 10_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await exited;
  clearTimeout(timer);
}
