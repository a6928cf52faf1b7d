import { parse } from "yaml";

/** Services no order passes through: the observability UIs and their pipeline. */
export const NOT_IN_AN_ORDER = ["grafana", "loki", "alloy", "otel-collector", "jaeger"];
export const VALKEY_STANDIN_IMAGE = "dev.local/bazaar/valkey-standin:bookworm";

interface Service {
  image?: string;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string | null>;
  healthcheck?: { test: string[]; start_interval?: string };
  depends_on?: Record<string, unknown>;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, Service>;
}

/**
 * compose.dev.yaml as the smoke test runs it: without the services no order passes through; only the gateway
 * published, on a port Docker picks; readable by Compose v1 too (no `name`, no `start_interval`); with
 * Debian's redis-server in Valkey's place where Valkey's image cannot be pulled.
 */
export function smokeComposeFile(composeYaml: string, options: { valkeyStandIn: boolean }): ComposeFile {
  const file = parse(composeYaml, { merge: true }) as ComposeFile;
  delete file.name;
  const inAnOrder = ([name]: [string, unknown]): boolean => !NOT_IN_AN_ORDER.includes(name);
  file.services = Object.fromEntries(Object.entries(file.services).filter(inAnOrder));
  for (const [name, service] of Object.entries(file.services)) {
    delete service.healthcheck?.start_interval;
    delete service.environment?.["OTEL_EXPORTER_OTLP_ENDPOINT"];
    if (service.depends_on)
      service.depends_on = Object.fromEntries(Object.entries(service.depends_on).filter(inAnOrder));
    if (name === "gateway") service.ports = ["8080"];
    else delete service.ports;
  }
  const valkey = file.services["valkey"];
  if (options.valkeyStandIn && valkey?.healthcheck) {
    valkey.image = VALKEY_STANDIN_IMAGE;
    valkey.command = ["redis-server", "--save", "", "--appendonly", "no", "--protected-mode", "no"];
    valkey.healthcheck.test = ["CMD", "redis-cli", "ping"];
  }
  return file;
}
