import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { devServices } from "../../scripts/dev/services";
import { NOT_IN_AN_ORDER, smokeComposeFile } from "../../scripts/docker/smoke-compose-file";
import { fromRoot } from "./support/repo";

/** `npm run smoke:compose` needs Docker, so it is not part of the suite; the file it derives is checked here. */
const source = readFileSync(fromRoot("compose.dev.yaml"), "utf8");
const file = smokeComposeFile(source, { valkeyStandIn: false });
const services = Object.entries(file.services);

describe("the compose smoke test's file", () => {
  it("keeps the shop (RabbitMQ, the dev broker, every function, Valkey, Prometheus) and drops the UIs", () => {
    expect(Object.keys(file.services).sort()).toEqual(
      [...devServices, "rabbitmq", "valkey", "prometheus"].sort(),
    );
    for (const [name, service] of services)
      for (const dependency of Object.keys(service.depends_on ?? {}))
        expect(NOT_IN_AN_ORDER, `${name} depends on ${dependency}`).not.toContain(dependency);
  });

  it("is readable by Compose v1: no top-level name, no healthcheck start_interval", () => {
    expect(file.name).toBeUndefined();
    for (const [name, service] of services) expect(service.healthcheck?.start_interval, name).toBeUndefined();
  });

  it("publishes only the gateway, on a port Docker picks, and sends no spans to a collector it left out", () => {
    for (const [name, service] of services) {
      expect(service.ports, name).toEqual(name === "gateway" ? ["8080"] : undefined);
      expect(service.environment?.["OTEL_EXPORTER_OTLP_ENDPOINT"], name).toBeUndefined();
    }
  });

  it("puts Debian's redis-server in Valkey's place only when asked", () => {
    expect(file.services["valkey"]?.image).toMatch(/^valkey\//);
    const standIn = smokeComposeFile(source, { valkeyStandIn: true }).services["valkey"];
    expect(standIn?.command?.[0]).toBe("redis-server");
    expect(standIn?.healthcheck?.test).toEqual(["CMD", "redis-cli", "ping"]);
  });
});
