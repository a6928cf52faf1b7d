import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serviceNames, type ServiceName } from "../../shared/config/services";
import { spawnService, stopProcess, waitUntilReady, wiringEnv } from "../../scripts/dev/services";
import { eventKeysIn, type TestEventKeys } from "../../shared/testing";
import { freePort } from "./ports";

export const ADMIN = { email: "admin@test.local", password: "admin-password-for-tests" };

export interface RunningService {
  name: ServiceName;
  url: string;
  /** Every line the process printed (pino JSON), for assertions on logs. */
  logs: string[];
  /** Graceful stop (SIGTERM) or a crash (SIGKILL). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data folder. */
  start(): Promise<void>;
}

export interface System {
  dataDir: string;
  /** The producers' event keys in the data folder, to sign (or forge) what a test delivers. */
  eventKeys: TestEventKeys;
  url(name: ServiceName): string;
  /** Where Prometheus scrapes a service: its own port, but the gateway's private metrics port. */
  metricsUrl(name: ServiceName): string;
  service(name: ServiceName): RunningService;
  stop(): Promise<void>;
}

export interface SystemOptions {
  services: ServiceName[];
  /** Extra env per service, e.g. { payment: { PAYMENT_LIMIT_CENTS: "1000" } }. */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Env for every service. */
  commonEnv?: Record<string, string>;
}

/**
 * Starts real services as separate processes on free ports with a fresh data folder, wired as `npm start`
 * wires them. Tests drive them over HTTP.
 */
export async function startSystem(options: SystemOptions): Promise<System> {
  const dataDir = mkdtempSync(join(tmpdir(), "bazaar-test-"));
  // Made before the functions start, as their first start would: every receiver knows every key at once.
  const eventKeys = eventKeysIn(dataDir);
  const ports = {} as Record<ServiceName, number>;
  for (const name of serviceNames) {
    ports[name] = await freePort();
  }
  const gatewayMetricsPort = await freePort();
  const running = new Map<ServiceName, RunningService>();

  for (const name of options.services) {
    const url = `http://127.0.0.1:${ports[name]}`;
    const env = {
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      PASSWORD_SCRYPT_COST: "1024", // fast hashing in tests; production default is 2^15
      OUTBOX_INTERVAL_MS: "300",
      // The embedded broker unless a test asks for RabbitMQ: an AMQP_URL in the runner's env must not leak in.
      AMQP_URL: "",
      ...options.commonEnv,
      ...wiringEnv(ports, name, options.services),
      ...(name === "gateway" && { GATEWAY_METRICS_PORT: String(gatewayMetricsPort) }),
      ...options.env?.[name],
    };
    let child: ChildProcess | undefined;
    const logs: string[] = [];
    const service: RunningService = {
      name,
      url,
      logs,
      async start() {
        child = spawnService(name, env, (line) => logs.push(line));
        await waitUntilReady(url, child, 30_000, name).catch((error: unknown) => {
          throw new Error(`${(error as Error).message}\n${logs.slice(-20).join("\n")}`);
        });
      },
      async stop(signal = "SIGTERM") {
        if (child) await stopProcess(child, signal);
      },
    };
    running.set(name, service);
  }
  const started = await Promise.allSettled([...running.values()].map((s) => s.start()));
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    // Leave nothing running behind a failed start: the next suite needs the machine to itself.
    await Promise.all([...running.values()].map((s) => s.stop("SIGKILL")));
    rmSync(dataDir, { recursive: true, force: true });
    throw failed.reason;
  }

  return {
    dataDir,
    eventKeys,
    url: (name) => {
      if (!running.has(name)) throw new Error(`${name} is not part of this system`);
      return `http://127.0.0.1:${ports[name]}`;
    },
    metricsUrl: (name) => {
      if (!running.has(name)) throw new Error(`${name} is not part of this system`);
      return `http://127.0.0.1:${name === "gateway" ? gatewayMetricsPort : ports[name]}`;
    },
    service: (name) => {
      const service = running.get(name);
      if (!service) throw new Error(`${name} is not part of this system`);
      return service;
    },
    async stop() {
      await Promise.all([...running.values()].map((s) => s.stop()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
