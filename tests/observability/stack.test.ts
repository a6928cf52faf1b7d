import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { functionNames } from "../../shared/config/services";
import { observability, readYaml, rootDir } from "./support";

const compose = parse(readFileSync(`${rootDir}/compose.dev.yaml`, "utf8"), { merge: true });
const services: Record<string, any> = compose.services;

/** The observability files against compose.dev.yaml: what Prometheus, Grafana and Alloy expect is there. */
describe("observability wiring of the compose stack", () => {
  it("Prometheus scrapes every function and the broker on the port its container serves /metrics on", () => {
    const config = readYaml(observability("prometheus", "prometheus.yml"));
    const job = config.scrape_configs.find((j: any) => j.job_name === "bazaar-functions");
    const targets = job.static_configs.map((c: any) => ({
      function: c.labels.function,
      target: c.targets[0],
    }));
    expect(targets.map((t: { function: string }) => t.function).sort()).toEqual(
      [...functionNames, "broker"].sort(),
    );
    for (const { function: name, target } of targets) {
      const [host, port] = target.split(":");
      expect(services[host], `no compose service ${host}`).toBeDefined();
      // The gateway serves /metrics on a private port of its own; everyone else on PORT.
      const { PORT, GATEWAY_METRICS_PORT } = services[host].environment;
      expect(name === "gateway" ? GATEWAY_METRICS_PORT : PORT, `${name}'s port`).toBe(port);
    }
  });

  it("Prometheus gets the alert rules: the whole prometheus folder is mounted beside its configuration", () => {
    const volumes: string[] = services["prometheus"].volumes;
    expect(volumes).toContain("./observability/prometheus:/etc/prometheus:ro");
    expect(services["prometheus"].command).toContain("--config.file=/etc/prometheus/prometheus.yml");
  });

  it("Grafana's data sources are the compose services Prometheus and Loki", () => {
    const { datasources } = readYaml(
      observability("grafana", "provisioning", "datasources", "datasources.yaml"),
    );
    for (const source of datasources) {
      const url = new URL(source.url);
      expect(services[url.hostname], source.name).toBeDefined();
    }
  });

  it("Alloy reads this compose project's containers and labels lines by compose service, as the cluster does", () => {
    const alloy = readFileSync(observability("alloy", "compose.alloy"), "utf8");
    expect(alloy).toContain(`com.docker.compose.project=${compose.name}`);
    expect(alloy).toMatch(
      /__meta_docker_container_label_com_docker_compose_service"\]\s*target_label\s*=\s*"service"/,
    );
    expect(alloy).toContain("http://loki:3100/loki/api/v1/push");
  });
});
