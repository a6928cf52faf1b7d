/**
 * Where traces go, checked offline (no Collector, Jaeger or Knative runs here): the functions of compose and
 * of the cluster export to the OpenTelemetry Collector on its OTLP/HTTP port, the Collector hands traces to
 * Jaeger, Knative's own config-observability points at the same Collector, and Grafana reads Jaeger and links
 * log lines to traces. The proof that spans flow is tests/tracing.test.ts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { baseConfigSchema, parseConfig, tracingSettingsOf } from "../../shared/config";
import { renderDeployment } from "../deploy/support/rendered";
import { fromRoot, readYaml } from "../deploy/support/repo";

const collector = readYaml(fromRoot("observability/otel-collector/config.yaml"));
const compose = readYaml(fromRoot("compose.dev.yaml"));
const services = compose.services as Record<string, Record<string, any>>;
const datasources = readYaml(fromRoot("observability/grafana/provisioning/datasources/datasources.yaml"))
  .datasources as Record<string, any>[];
const deployment = renderDeployment();

const portOf = (endpoint: string): number => Number(endpoint.split(":").at(-1));
const httpPort = portOf(collector.receivers.otlp.protocols.http.endpoint);
const grpcPort = portOf(collector.receivers.otlp.protocols.grpc.endpoint);

describe("the OpenTelemetry Collector's configuration", () => {
  it("takes OTLP over HTTP (4318) and gRPC (4317) and sends every trace on to Jaeger", () => {
    expect([httpPort, grpcPort]).toEqual([4318, 4317]);
    const traces = collector.service.pipelines.traces;
    expect(traces.receivers).toEqual(["otlp"]);
    expect(traces.processors).toEqual(["memory_limiter", "batch"]); // the limiter first, as its README asks
    expect(traces.exporters).toEqual(["otlp/jaeger"]);
    expect(collector.exporters["otlp/jaeger"].endpoint).toBe("jaeger:4317");
    for (const extension of collector.service.extensions)
      expect(collector.extensions[extension]).toBeDefined();
  });
});

describe("traces in compose", () => {
  const collectorUrl = `http://otel-collector:${httpPort}`;

  it("every function and the broker export to the Collector, and their config reads that as tracing on", () => {
    for (const name of [...Object.keys(services)].filter((s) =>
      services[s]?.["image"]?.startsWith("dev.local/"),
    )) {
      const env = services[name]?.["environment"] as Record<string, string>;
      expect(env["OTEL_EXPORTER_OTLP_ENDPOINT"], name).toBe(collectorUrl);
      const config = parseConfig(baseConfigSchema, { PORT: "1", K_SERVICE: name, ...env });
      expect(tracingSettingsOf(config)?.tracesUrl, name).toBe(`${collectorUrl}/v1/traces`);
    }
  });

  it("runs the Collector on the shared configuration, and Jaeger for Grafana to read", () => {
    expect(services["otel-collector"]?.["volumes"]).toContain(
      "./observability/otel-collector/config.yaml:/etc/otelcol/config.yaml:ro",
    );
    expect(services["otel-collector"]?.["command"]).toContain("--config=/etc/otelcol/config.yaml");
    expect(services["jaeger"]?.["image"]).toMatch(/^jaegertracing\/jaeger:2\.[\d.]+$/);
    expect(services["jaeger"]?.["ports"]).toEqual(["16686:16686"]);
    expect(services["grafana"]?.["depends_on"]).toHaveProperty("jaeger");
  });
});

describe("traces in the cluster", () => {
  const service = deployment.one("Service", "otel-collector");
  const collectorHost = `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;

  it("every function exports to the Collector's Service (bazaar-config), every trace sampled", () => {
    expect(service.spec.ports.map((port: { port: number }) => port.port).sort()).toEqual([
      grpcPort,
      httpPort,
    ]);
    const config = deployment.one("ConfigMap", "bazaar-config").data as Record<string, string>;
    expect(config["OTEL_EXPORTER_OTLP_ENDPOINT"]).toBe(`http://${collectorHost}:${httpPort}`);
    const settings = tracingSettingsOf(
      parseConfig(baseConfigSchema, { PORT: "1", K_SERVICE: "order", ...config }),
    );
    expect(settings).toMatchObject({ sampler: "parentbased_traceidratio", samplerRatio: 1 });
  });

  it("runs the Collector on the shared configuration, mounted where its --config looks", () => {
    const generated = deployment.one("ConfigMap", "otel-collector-config");
    expect(generated.data["config.yaml"]).toBe(
      readFileSync(fromRoot("observability/otel-collector/config.yaml"), "utf8"),
    );
    const pod = deployment.one("Deployment", "otel-collector").spec.template.spec;
    const container = pod.containers[0];
    const configPath = /--config=(\S+)/.exec(container.args.join(" "))?.[1] ?? "";
    const mount = container.volumeMounts.find((m: { mountPath: string }) =>
      configPath.startsWith(`${m.mountPath}/`),
    );
    expect(pod.volumes.find((v: { name: string }) => v.name === mount?.name)?.configMap?.name).toBe(
      "otel-collector-config",
    );
    expect(container.readinessProbe.httpGet.port).toBe("health");
    expect(portOf(collector.extensions.health_check.endpoint)).toBe(
      container.ports.find((p: { name: string }) => p.name === "health").containerPort,
    );
  });

  it("runs Jaeger where the Collector and Grafana look for it", () => {
    const jaeger = deployment.one("Service", "jaeger");
    const ports = Object.fromEntries(
      jaeger.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port]),
    );
    expect(`jaeger:${ports["otlp-grpc"]}`).toBe(collector.exporters["otlp/jaeger"].endpoint);
    expect(datasources.find((d) => d.type === "jaeger")?.url).toBe(`http://jaeger:${ports["ui"]}`);
  });

  it("has Knative send its own spans (queue-proxy, activator, broker) to the same Collector", () => {
    const up = readFileSync(fromRoot("scripts/kind/up.sh"), "utf8");
    const patch = JSON.parse(/knative_tracing='([^']+)'/.exec(up)?.[1] ?? "{}") as {
      data: Record<string, string>;
    };
    expect(patch.data).toEqual({
      "tracing-protocol": "http/protobuf",
      "tracing-endpoint": `http://${collectorHost}:${httpPort}/v1/traces`,
      "tracing-sampling-rate": "1",
    });
    expect(up).toMatch(/for namespace in knative-serving knative-eventing; do/);
    expect(up).toContain('patch configmap/config-observability --type merge -p "$knative_tracing"');
  });
});

describe("Grafana", () => {
  it("reads Jaeger, and links a log line's trace_id to its trace and a span to its logs", () => {
    const jaeger = datasources.find((d) => d.uid === "jaeger");
    expect(jaeger).toMatchObject({ type: "jaeger" });
    expect(jaeger?.["jsonData"].tracesToLogsV2.datasourceUid).toBe("loki");
    const loki = datasources.find((d) => d.uid === "loki");
    const field = loki?.["jsonData"].derivedFields[0];
    expect(field).toMatchObject({ datasourceUid: "jaeger", url: "$${__value.raw}" });
    const line =
      '{"level":"info","service":"order","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}';
    expect(new RegExp(field.matcherRegex).exec(line)?.[1]).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });
});
