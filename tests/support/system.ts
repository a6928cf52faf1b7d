import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRoundRobin, type RoundRobin } from "../../scripts/dev/round-robin";
import {
  spawnService,
  stopProcess,
  waitUntilReady,
  wiringEnv,
  devServices,
  type DevService,
} from "../../scripts/dev/services";
import { eventKeysIn, type TestEventKeys } from "../../shared/testing";
import { freePort } from "./ports";

export const ADMIN = { email: "admin@test.local", password: "admin-password-for-tests" };

export interface RunningService {
  name: DevService;
  url: string;
  /** Every line the process printed (pino JSON), for assertions on logs; of every replica, for a function. */
  logs: string[];
  /** Graceful stop (SIGTERM) or a crash (SIGKILL); of every replica, for a function. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data folder. */
  start(): Promise<void>;
}

export interface System {
  dataDir: string;
  /** The producers' event keys in the data folder, to sign (or forge) what a test delivers. */
  eventKeys: TestEventKeys;
  url(name: DevService): string;
  /** Where Prometheus scrapes a service: its own port, but the gateway's private metrics port. */
  metricsUrl(name: DevService): string;
  /** The service: with replicas, all of them at once (stop, start, logs) behind the service's one URL. */
  service(name: DevService): RunningService;
  /** Each process of the service, one by one (url: that replica's own); one entry without replicas. */
  replicas(name: DevService): RunningService[];
  stop(): Promise<void>;
}

export interface SystemOptions {
  services: DevService[];
  /** Extra env per service, e.g. { payment: { PAYMENT_LIMIT_CENTS: "1000" } }. */
  env?: Partial<Record<DevService, Record<string, string>>>;
  /** Env for every service. */
  commonEnv?: Record<string, string>;
  /**
   * Processes of every function (the broker stays one), sharing its database, behind a round-robin on the
   * function's URL as `npm start -- --replicas=N` runs them. Default 1: the function itself on its URL.
   */
  replicas?: number;
}

/**
 * Starts real services as separate processes on free ports with a fresh data folder, wired as `npm start`
 * wires them. Tests drive them over HTTP.
 */
export async function startSystem(options: SystemOptions): Promise<System> {
  const dataDir = mkdtempSync(join(tmpdir(), "bazaar-test-"));
  // Made before the functions start, as their first start would: every receiver knows every key at once.
  const eventKeys = eventKeysIn(dataDir);
  const ports = {} as Record<DevService, number>;
  for (const name of devServices) {
    ports[name] = await freePort();
  }
  const replicaCount = (name: DevService) => (name === "broker" ? 1 : (options.replicas ?? 1));
  const running = new Map<DevService, RunningService[]>();
  const metricsPorts = new Map<DevService, number>();
  const roundRobins: RoundRobin[] = [];

  for (const name of options.services) {
    const count = replicaCount(name);
    const replicas: RunningService[] = [];
    for (let index = 0; index < count; index++) {
      const port = count === 1 ? ports[name] : await freePort();
      const metricsPort = name === "gateway" ? await freePort() : port;
      if (index === 0) metricsPorts.set(name, metricsPort);
      const url = `http://127.0.0.1:${port}`;
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
        ...wiringEnv(ports, name, options.services, dataDir),
        PORT: String(port),
        ...(name === "gateway" && { GATEWAY_METRICS_PORT: String(metricsPort) }),
        ...options.env?.[name],
      };
      let child: ChildProcess | undefined;
      const logs: string[] = [];
      replicas.push({
        name,
        url,
        logs,
        async start() {
          child = spawnService(name, env, (line) => logs.push(line));
          // Generous: a shop with replicas starts 17 processes at once under tsx, slow on a busy 2-core machine.
          await waitUntilReady(url, child, 90_000, name).catch((error: unknown) => {
            throw new Error(`${(error as Error).message}\n${logs.slice(-20).join("\n")}`);
          });
        },
        async stop(signal = "SIGTERM") {
          if (child) await stopProcess(child, signal);
        },
      });
    }
    if (count > 1) {
      roundRobins.push(await startRoundRobin({ port: ports[name], replicas: replicas.map((r) => r.url) }));
    }
    running.set(name, replicas);
  }
  const everyProcess = [...running.values()].flat();
  const started = await Promise.allSettled(everyProcess.map((s) => s.start()));
  const failed = started.find((result) => result.status === "rejected");
  const closeRoundRobins = () => Promise.all(roundRobins.map((r) => r.close()));
  if (failed) {
    // Leave nothing running behind a failed start: the next suite needs the machine to itself.
    await Promise.all(everyProcess.map((s) => s.stop("SIGKILL")));
    await closeRoundRobins();
    rmSync(dataDir, { recursive: true, force: true });
    throw failed.reason;
  }

  const replicasOf = (name: DevService): RunningService[] => {
    const replicas = running.get(name);
    if (!replicas) throw new Error(`${name} is not part of this system`);
    return replicas;
  };
  const url = (name: DevService): string => {
    replicasOf(name);
    return `http://127.0.0.1:${ports[name]}`;
  };
  /** A function's replicas as one: its URL, every replica's lines, all stopped or started together. */
  const asOne = (name: DevService): RunningService => {
    const replicas = replicasOf(name);
    if (replicas.length === 1) return replicas[0] as RunningService;
    return {
      name,
      url: url(name),
      get logs() {
        return replicas.flatMap((r) => r.logs);
      },
      stop: async (signal) => void (await Promise.all(replicas.map((r) => r.stop(signal)))),
      start: async () => void (await Promise.all(replicas.map((r) => r.start()))),
    };
  };

  return {
    dataDir,
    eventKeys,
    url,
    metricsUrl: (name) => {
      replicasOf(name);
      return `http://127.0.0.1:${name === "gateway" ? metricsPorts.get(name) : ports[name]}`;
    },
    service: asOne,
    replicas: replicasOf,
    async stop() {
      await Promise.all(everyProcess.map((s) => s.stop()));
      await closeRoundRobins();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
