/**
 * `npm start`: every function on the original ports, the embedded broker in front of them, libSQL files
 * under ./data, one readable interleaved log. A process that dies is started again after a growing delay
 * while the others keep serving; one that keeps dying before it is ready is reported as a crash loop and left
 * stopped (supervisor.ts, restart-policy.ts). Ctrl-C drains every process and exits.
 *
 * `--watch` (npm run dev): node --watch restarts a function when its code changes, and after a crash waits
 * for a change rather than exit, so the runner restarts only a watcher that dies. `--port-offset=N` moves
 * every port by N, so a second copy or a test can run beside the first. `--replicas=N` runs N processes of
 * every function but the broker, all on the function's one database, each on a port of its own (order-2 on
 * 5203), behind a round-robin on the function's port (round-robin.ts), as Knative scales a function out.
 */
import { gatewayConfigSchema } from "../../functions/gateway/src/config";
import { parseOptions, REPLICA_PORT_STEP, UsageError, type RunOptions } from "./options";
import { labelledOutput, paint } from "./output";
import { startRoundRobin, type RoundRobin } from "./round-robin";
import {
  availableServices,
  defaultPorts,
  spawnService,
  waitUntilReady,
  wiringEnv,
  type DevService,
} from "./services";
import { supervise, type SupervisorOutput } from "./supervisor";

let options: RunOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\nusage: npm start -- [--watch] [--port-offset=N] [--replicas=N]\n`);
  process.exit(2);
}

const services = availableServices();
const ports = defaultPorts(options.portOffset);
// The gateway's private metrics port moves with the others, or a second copy could not start.
const gatewayMetricsPort =
  gatewayConfigSchema.shape.GATEWAY_METRICS_PORT.parse(undefined) + options.portOffset;
const dataDir = process.env["DATA_DIR"] ?? "./data";
let stopping = false;

/** One process to run: a service, or replica i of a function (its own port, and metrics port for the gateway). */
interface Instance {
  service: DevService;
  name: string;
  port: number;
  metricsPort: number;
}
const replicasOf = (service: DevService): number => (service === "broker" ? 1 : options.replicas);
const instances: Instance[] = services.flatMap((service) => {
  const count = replicasOf(service);
  if (count === 1) return [{ service, name: service, port: ports[service], metricsPort: gatewayMetricsPort }];
  return Array.from({ length: count }, (_, i) => ({
    service,
    name: `${service}-${i + 1}`,
    port: ports[service] + (i + 1) * REPLICA_PORT_STEP,
    metricsPort: gatewayMetricsPort + (i + 1) * REPLICA_PORT_STEP,
  }));
});
const width = Math.max(...instances.map((s) => s.name.length));

/** node --watch keeps running after its function crashed; tell the reader why nothing restarts it. */
const noticingWatchCrashes = (out: SupervisorOutput): SupervisorOutput => ({
  ...out,
  line(text) {
    out.line(text);
    if (text.startsWith("Failed running"))
      out.notice("crashed; node --watch starts it again when its code changes", "alert");
  },
});

// A function with replicas is reached on its own port through a round-robin, as through Knative's routing.
const roundRobins: Promise<RoundRobin>[] = services
  .filter((service) => replicasOf(service) > 1)
  .map((service) =>
    startRoundRobin({
      port: ports[service],
      replicas: instances.filter((i) => i.service === service).map((i) => `http://127.0.0.1:${i.port}`),
    }),
  );

for (const proxy of roundRobins)
  proxy.catch((error: unknown) => {
    process.stdout.write(paint("red", `\nA round-robin could not listen: ${(error as Error).message}\n`));
    void shutdown(1);
  });

const supervised = instances.map(({ service, name, port, metricsPort }, index) => {
  const url = `http://127.0.0.1:${port}`;
  const env = {
    DATA_DIR: dataDir,
    ...wiringEnv(ports, service, services, dataDir),
    PORT: String(port),
    ...(service === "gateway" && { GATEWAY_METRICS_PORT: String(metricsPort) }),
  };
  const out = labelledOutput(name, index, width);
  return supervise(
    {
      name,
      spawn: (onLine) => spawnService(service, env, onLine, { watch: options.watch }),
      waitReady: (child, timeoutMs) => waitUntilReady(url, child, timeoutMs, service),
    },
    options.watch ? noticingWatchCrashes(out) : out,
  );
});

void Promise.all(supervised.map((s) => s.started)).then((outcomes) => {
  if (stopping) return;
  const missing = supervised.filter((_s, i) => outcomes[i] === "crash loop").map((s) => s.name);
  const scale = options.replicas > 1 ? ` (${options.replicas} replicas of each function)` : "";
  const where = `gateway http://127.0.0.1:${ports.gateway}${scale} — Ctrl-C stops it.`;
  process.stdout.write(
    missing.length === 0
      ? `\nBazaar is up: ${where}\n\n`
      : paint("red", `\nBazaar is up without ${missing.join(", ")} (crash loop, above): ${where}\n\n`),
  );
});

// Every process given up on: nothing is left to serve, so say so with the exit code.
void Promise.all(supervised.map((s) => s.ended)).then(() => {
  if (stopping) return;
  process.stdout.write(paint("red", "\nEvery process is in a crash loop: nothing left to run.\n"));
  process.exit(1);
});

async function shutdown(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write("\nStopping: every process drains, then exits.\n");
  await Promise.all(supervised.map((s) => s.stop()));
  await Promise.all(roundRobins.map(async (proxy) => (await proxy.catch(() => undefined))?.close()));
  process.exit(code);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
