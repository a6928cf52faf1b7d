/**
 * `npm start`: every function on the original ports, the embedded broker in front of them, libSQL files
 * under ./data, one readable interleaved log. A process that dies is started again after a growing delay
 * while the others keep serving; one that keeps dying before it is ready is reported as a crash loop and left
 * stopped (supervisor.ts, restart-policy.ts). Ctrl-C drains every process and exits.
 *
 * `--watch` (npm run dev): node --watch restarts a function when its code changes, and after a crash waits
 * for a change rather than exit, so the runner restarts only a watcher that dies. `--port-offset=N` moves
 * every port by N, so a second copy or a test can run beside the first.
 */
import { gatewayConfigSchema } from "../../functions/gateway/src/config";
import { parseOptions, UsageError, type RunOptions } from "./options";
import { labelledOutput, paint } from "./output";
import { availableServices, defaultPorts, spawnService, waitUntilReady, wiringEnv } from "./services";
import { supervise, type SupervisorOutput } from "./supervisor";

let options: RunOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\nusage: npm start -- [--watch] [--port-offset=N]\n`);
  process.exit(2);
}

const services = availableServices();
const ports = defaultPorts(options.portOffset);
// The gateway's private metrics port moves with the others, or a second copy could not start.
const gatewayMetricsPort =
  gatewayConfigSchema.shape.GATEWAY_METRICS_PORT.parse(undefined) + options.portOffset;
const width = Math.max(...services.map((s) => s.length));
let stopping = false;

/** node --watch keeps running after its function crashed; tell the reader why nothing restarts it. */
const noticingWatchCrashes = (out: SupervisorOutput): SupervisorOutput => ({
  ...out,
  line(text) {
    out.line(text);
    if (text.startsWith("Failed running"))
      out.notice("crashed; node --watch starts it again when its code changes", "alert");
  },
});

const supervised = services.map((service, index) => {
  const url = `http://127.0.0.1:${ports[service]}`;
  const env = {
    DATA_DIR: process.env["DATA_DIR"] ?? "./data",
    ...wiringEnv(ports, service, services),
    ...(service === "gateway" && { GATEWAY_METRICS_PORT: String(gatewayMetricsPort) }),
  };
  const out = labelledOutput(service, index, width);
  return supervise(
    {
      name: service,
      spawn: (onLine) => spawnService(service, env, onLine, { watch: options.watch }),
      waitReady: (child, timeoutMs) => waitUntilReady(url, child, timeoutMs, service),
    },
    options.watch ? noticingWatchCrashes(out) : out,
  );
});

void Promise.all(supervised.map((s) => s.started)).then((outcomes) => {
  if (stopping) return;
  const missing = supervised.filter((_s, i) => outcomes[i] === "crash loop").map((s) => s.name);
  const where = `gateway http://127.0.0.1:${ports.gateway} — Ctrl-C stops it.`;
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

async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write("\nStopping: every process drains, then exits.\n");
  await Promise.all(supervised.map((s) => s.stop()));
  process.exit(0);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
