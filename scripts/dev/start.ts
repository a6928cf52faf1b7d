/**
 * `npm start`: every function on the original ports, the embedded broker in front of them, libSQL files
 * under ./data, one readable interleaved log. Ctrl-C drains every process and exits. `--watch` (npm run dev)
 * restarts a function when its code changes.
 */
import { styleText } from "node:util";
import type { ChildProcess } from "node:child_process";
import type { ServiceName } from "../../shared/config/services";
import {
  availableServices,
  defaultPorts,
  spawnService,
  stopProcess,
  waitUntilReady,
  wiringEnv,
} from "./services";

const colours = ["cyan", "magenta", "yellow", "green", "blue", "red", "white", "gray", "cyanBright"] as const;
const services = availableServices();
const ports = defaultPorts();
const width = Math.max(...services.map((s) => s.length));
const children = new Map<ServiceName, ChildProcess>();
const watch = process.argv.includes("--watch");
let stopping = false;

/** pino's JSON becomes "time level msg key=value" so people can read it; other lines pass through. */
function readable(line: string): string {
  try {
    const { time, level, msg, service: _service, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const extras = Object.entries(rest)
      .filter(([key]) => !["request_id", "trace_id"].includes(key))
      .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
      .join(" ");
    return `${String(time).slice(11, 23)} ${String(level).padEnd(5)} ${String(msg)} ${extras}`;
  } catch {
    return line;
  }
}

services.forEach((service, index) => {
  const label = styleText(colours[index % colours.length] ?? "white", service.padEnd(width));
  const env = { DATA_DIR: process.env["DATA_DIR"] ?? "./data", ...wiringEnv(ports, service, services) };
  const child = spawnService(service, env, (line) => process.stdout.write(`${label} | ${readable(line)}\n`), {
    watch,
  });
  child.on("exit", (code, signal) => {
    if (!stopping) process.stdout.write(`${label} | exited (${signal ?? code}); stopping everything\n`);
    if (!stopping) void shutdown(1);
  });
  children.set(service, child);
});

await Promise.all(
  [...children].map(([service, child]) =>
    waitUntilReady(`http://127.0.0.1:${ports[service]}`, child, 30_000, service),
  ),
)
  .then(() => {
    process.stdout.write(`\nBazaar is up: gateway http://127.0.0.1:${ports.gateway} — Ctrl-C stops it.\n\n`);
  })
  .catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    void shutdown(1);
  });

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all([...children.values()].map((child) => stopProcess(child)));
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
