import { accessSync, constants, existsSync } from "node:fs";
import { connect } from "node:net";
import { delimiter, join } from "node:path";
import type { Need } from "./needs";

/** Where the tests look for RabbitMQ and Redis on this machine, as their helpers do. */
export const localAmqpUrl = (): string => process.env["AMQP_URL"] || "amqp://guest:guest@127.0.0.1:5672";
const localRedisUrl = (): string => process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";

/**
 * Whether something accepts a TCP connection at host:port. A closed port is refused at once; the timeout only
 * bounds a host that drops packets, and is generous because a loaded machine can be slow to answer.
 */
export function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    const answer = (ok: boolean) => () => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", answer(true));
    socket.once("timeout", answer(false));
    socket.once("error", answer(false));
  });
}

/** Whether an executable of this name is on PATH (looked up, not run: a probe must stay fast). */
export const onPath = (command: string): boolean =>
  (process.env["PATH"] ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

const hostAndPort = (url: string, defaultPort: number): { host: string; port: number; address: string } => {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, "");
  const number = Number(port) || defaultPort;
  return { host, port: number, address: `${hostname}:${number}` };
};

const missingCommands = (commands: string[]): string | undefined => {
  const missing = commands.filter((command) => !onPath(command));
  return missing.length === 0 ? undefined : `${missing.join(" and ")} not on PATH`;
};

/** What is missing of one need on this machine, or undefined when it is all there. */
const probes: Record<Need, () => Promise<string | undefined>> = {
  async rabbitmq() {
    const { host, port, address } = hostAndPort(localAmqpUrl(), 5672);
    if (!(await portAnswers(host, port))) return `nothing answers on ${address}`;
    // The tests stop, start and inspect the broker with rabbitmqctl; a RabbitMQ without it is no use to them.
    return onPath("rabbitmqctl") ? undefined : `${address} answers but rabbitmqctl is not on PATH`;
  },
  prometheus: async () => missingCommands(["promtool", "prometheus"]),
  async redis() {
    const { host, port, address } = hostAndPort(localRedisUrl(), 6379);
    return (await portAnswers(host, port)) ? undefined : `nothing answers on ${address}`;
  },
  shellcheck: async () => missingCommands(["shellcheck"]),
  kubectl: async () => missingCommands(["kubectl"]),
  async chromium() {
    // Where tests/support/browser.ts's chromiumPath looks (importing it would load playwright-core and the
    // system helpers: seconds, on a busy machine).
    const candidates = [process.env["CHROMIUM_PATH"], "/usr/bin/chromium", "/usr/bin/chromium-browser"];
    return candidates.some((path) => path && existsSync(path))
      ? undefined
      : "no Chromium at CHROMIUM_PATH, /usr/bin/chromium or /usr/bin/chromium-browser";
  },
};

/** The needs this machine lacks, each with what was looked for. */
export async function absentLocally(needs: Iterable<Need>): Promise<Map<Need, string>> {
  const results = await Promise.all([...needs].map(async (need) => [need, await probes[need]()] as const));
  return new Map(results.filter((entry): entry is [Need, string] => entry[1] !== undefined));
}

/** Whether a Docker engine answers, as Testcontainers finds one (DOCKER_HOST, its config, the usual sockets). */
export async function dockerReachable(): Promise<boolean> {
  const { getContainerRuntimeClient } = await import("testcontainers");
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}
