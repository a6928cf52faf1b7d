/**
 * Runs the shop of compose.dev.yaml in Docker and checks it end to end: builds the image, starts RabbitMQ, the
 * dev broker on it, every function, Valkey and Prometheus; through the gateway registers a shopper, places an
 * order and waits until it is confirmed, paid and its shipment scheduled; checks that Prometheus scrapes every
 * function. Then removes what it started, volumes included.
 *
 *   npm run smoke:compose
 *
 * The file it runs is derived from compose.dev.yaml (printed at the start): the observability UIs (Grafana,
 * Loki, Alloy, the Collector, Jaeger) are left out, since no order passes through them; only the gateway is
 * published, on a port Docker picks, so a shop already running here is not in the way. Settings:
 * COMPOSE (default `docker compose`; `docker-compose` for Compose v1), DOCKER (default `docker`), and
 * VALKEY_STANDIN=1 where Valkey's image cannot be pulled: Debian's redis-server stands in for it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { call, eventually } from "../../tests/support/http";
import { placeOrder, registerShopper } from "../bench/shop";
import { smokeComposeFile, VALKEY_STANDIN_IMAGE } from "./smoke-compose-file";

const root = resolve(import.meta.dirname, "../..");
const docker = (process.env["DOCKER"] ?? "docker").split(" ");
const PROJECT = "bazaar-smoke";

const run = (command: string[], options: { input?: string; quiet?: boolean } = {}): string =>
  execFileSync(command[0] as string, command.slice(1), {
    cwd: root,
    // The Dockerfile's cache mounts need BuildKit, which older engines use only when asked.
    env: { ...process.env, DOCKER_BUILDKIT: "1" },
    encoding: "utf8",
    input: options.input,
    stdio: ["pipe", "pipe", options.quiet ? "pipe" : "inherit"],
  });

/** Polls until `check` holds, or fails after `seconds` saying what it waited for. */
const until = (what: string, seconds: number, check: () => Promise<boolean> | boolean): Promise<true> =>
  eventually(async () => ((await check()) ? true : undefined), seconds * 1000, what);

async function placeAndFollowAnOrder(gateway: string): Promise<void> {
  // The gateway routes /auth and /api/orders, so the benchmarks' set-up calls serve through it as they are.
  const shopper = await registerShopper(gateway);
  const id = await placeOrder(gateway, shopper.token, 1, 1);
  await until("order confirmed, paid and scheduled", 60, async () => {
    const { body } = await call<Record<string, unknown>>("GET", `${gateway}/api/orders/${id}`, {
      token: shopper.token,
    });
    return (
      body["status"] === "confirmed" &&
      body["payment_status"] === "captured" &&
      body["shipping_status"] === "scheduled"
    );
  });
  console.log(`smoke: order ${id} confirmed, payment captured, shipment scheduled`);
}

/** Scrape targets of observability/prometheus/prometheus.yml on compose: the nine processes and RabbitMQ. */
const SCRAPE_TARGETS = 10;

/** Every scrape target Prometheus has is up (the functions, the broker, the gateway's metrics port, RabbitMQ). */
async function everyTargetUp(compose: string[]): Promise<void> {
  const targets = () =>
    JSON.parse(
      run([...compose, "exec", "-T", "prometheus", "wget", "-qO-", "http://127.0.0.1:9090/api/v1/targets"], {
        quiet: true,
      }),
    ).data.activeTargets as { scrapeUrl: string; health: string }[];
  await until("every Prometheus target up", 60, () => {
    const all = targets();
    return all.length === SCRAPE_TARGETS && all.every((target) => target.health === "up");
  });
  console.log(`smoke: Prometheus scrapes ${targets().length} targets, every one up`);
}

async function main(): Promise<void> {
  const valkeyStandIn = process.env["VALKEY_STANDIN"] === "1";
  const folder = mkdtempSync(join(tmpdir(), "bazaar-compose-smoke-"));
  const file = join(folder, "compose.json");
  const source = readFileSync(join(root, "compose.dev.yaml"), "utf8");
  const shop = smokeComposeFile(source, { valkeyStandIn });
  const containers = Object.keys(shop.services).length;
  // JSON is YAML too, and keeps "no" a string for Compose v1's YAML 1.1 reader.
  writeFileSync(file, JSON.stringify(shop, null, 2));
  console.log(`smoke: compose file ${file}`);
  const compose = [
    ...(process.env["COMPOSE"] ?? "docker compose").split(" "),
    "-f",
    file,
    "--project-directory",
    root,
    "-p",
    PROJECT,
  ];
  try {
    if (valkeyStandIn) {
      const dockerfile = `FROM debian:bookworm-slim\nRUN apt-get update -qq && apt-get install -y -qq redis-server >/dev/null && rm -rf /var/lib/apt/lists/*\nUSER redis\n`;
      run([...docker, "build", "-q", "-t", VALKEY_STANDIN_IMAGE, "-"], { input: dockerfile });
    }
    run([...docker, "build", "-t", "dev.local/bazaar/functions:dev", "."]);
    run([...compose, "up", "-d"]);
    await until("every container healthy", 180, () => {
      const states = run([...docker, "ps", "--filter", `name=${PROJECT}`, "--format", "{{.Status}}"], {
        quiet: true,
      });
      const lines = states.trim().split("\n");
      return lines.length === containers && lines.every((status) => status.includes("(healthy)"));
    });
    const published = run([...compose, "port", "gateway", "8080"], { quiet: true }).trim();
    const gateway = `http://127.0.0.1:${published.split(":").pop()}`;
    console.log(`smoke: every container healthy; the gateway at ${gateway}`);
    await placeAndFollowAnOrder(gateway);
    await everyTargetUp(compose);
  } finally {
    run([...compose, "down", "-v"], { quiet: true });
    rmSync(folder, { recursive: true, force: true });
  }
}

await main();
