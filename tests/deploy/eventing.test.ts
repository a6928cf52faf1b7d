import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { eventTypes, isEventType } from "../../shared/events/catalog";
import { renderDeployment } from "./support/rendered";
import {
  fromRoot,
  functionNames,
  functionSource,
  handledTypes,
  outboxPublishers,
  publishers,
  readYaml,
  type Manifest,
} from "./support/repo";

/** Broker, Triggers, SinkBindings and PingSources against the event catalog and the functions' code. */
const deployment = renderDeployment();
const triggers = deployment.ofKind("Trigger");
const ksvcRef = (name: string) => ({ apiVersion: "serving.knative.dev/v1", kind: "Service", name });
const subscriberOf = (trigger: Manifest): string => trigger.spec.subscriber.ref.name;
const typeOfTrigger = (trigger: Manifest): string => trigger.spec.filter.attributes.type;
// ISO 8601 durations as Knative's delivery spec takes them (PT0.2S, PT1M, P1D...).
const isoDuration = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

describe("the Broker", () => {
  const broker = deployment.one("Broker", "default");

  it("is a RabbitMQ broker configured by a RabbitmqBrokerConfig that names our RabbitmqCluster", () => {
    expect(broker.metadata.annotations["eventing.knative.dev/broker.class"]).toBe("RabbitMQBroker");
    const { kind, name } = broker.spec.config;
    expect(kind).toBe("RabbitmqBrokerConfig");
    const config = deployment.one(kind, name);
    expect(() => deployment.one("RabbitmqCluster", config.spec.rabbitmqClusterReference.name)).not.toThrow();
  });

  it("dead-letters to the dead-letters function by default, after retries", () => {
    expect(broker.spec.delivery.deadLetterSink.ref).toEqual(ksvcRef("dead-letters"));
    expect(broker.spec.delivery.retry).toBeGreaterThan(0);
  });

  it("has its ingress pods sized for kind", () => {
    expect(broker.metadata.annotations["rabbitmq.eventing.knative.dev/cpu-request"]).toBeDefined();
  });
});

describe("Triggers", () => {
  it("exist, one per subscriber and event type", () => {
    expect(triggers.length).toBeGreaterThan(0);
    const pairs = triggers.map((trigger) => `${subscriberOf(trigger)} ${typeOfTrigger(trigger)}`);
    expect(pairs.filter((pair, index) => pairs.indexOf(pair) !== index)).toEqual([]);
  });

  it.each(triggers.map((trigger) => [trigger.metadata.name as string, trigger] as const))(
    "%s filters one catalog type exactly and delivers it to a function that handles it",
    async (_name, trigger) => {
      expect(trigger.spec.broker).toBe("default");
      expect(trigger.spec.filters).toBeUndefined();
      expect(Object.keys(trigger.spec.filter.attributes)).toEqual(["type"]);
      const type = typeOfTrigger(trigger);
      expect(isEventType(type), `${type} is not in shared/events/catalog.ts`).toBe(true);

      expect(trigger.spec.subscriber.ref).toEqual(ksvcRef(subscriberOf(trigger)));
      expect(deployment.services.has(subscriberOf(trigger))).toBe(true);
      // dead-letters' /events is its dead-letter intake: it hears catalog events on /accounts/events.
      const receiver = subscriberOf(trigger) === "dead-letters" ? "/accounts/events" : "/events";
      expect(trigger.spec.subscriber.uri).toBe(receiver);
      expect(
        await handledTypes(subscriberOf(trigger)),
        `${subscriberOf(trigger)} has no handler for ${type}`,
      ).toContain(type);
    },
  );

  it.each(triggers.map((trigger) => [trigger.metadata.name as string, trigger] as const))(
    "%s has a delivery spec with its own dead-letter sink, retries and a valid backoff",
    (_name, trigger) => {
      const delivery = trigger.spec.delivery;
      if (!delivery) return; // falls back to the Broker's, which has a dead-letter sink
      expect(
        delivery.deadLetterSink?.ref,
        "a Trigger's own delivery without a deadLetterSink drops events",
      ).toEqual(ksvcRef("dead-letters"));
      expect(delivery.retry).toBeGreaterThan(0);
      expect(["linear", "exponential"]).toContain(delivery.backoffPolicy);
      expect(delivery.backoffDelay).toMatch(isoDuration);
      if (delivery.timeout !== undefined) expect(delivery.timeout).toMatch(isoDuration);
    },
  );

  it("have a valid parallelism and their dispatchers sized for kind", () => {
    for (const trigger of triggers) {
      const annotations = trigger.metadata.annotations ?? {};
      const parallelism = annotations["rabbitmq.eventing.knative.dev/parallelism"];
      if (parallelism !== undefined)
        expect(Number(parallelism)).toSatisfy((n: number) => n >= 1 && n <= 1000);
      expect(annotations["rabbitmq.eventing.knative.dev/cpu-request"], trigger.metadata.name).toBe("10m");
      expect(annotations["rabbitmq.eventing.knative.dev/memory-limit"], trigger.metadata.name).toBe("128Mi");
    }
  });

  it("cover every type of the event catalog: nothing that can be published goes unrouted", () => {
    const routed = new Set(triggers.map(typeOfTrigger));
    expect(eventTypes.filter((type) => !routed.has(type))).toEqual([]);
  });

  it("cover every type a function handles: no handler waits for events that never come", async () => {
    const missing: string[] = [];
    for (const name of functionNames()) {
      const routed = triggers.filter((trigger) => subscriberOf(trigger) === name).map(typeOfTrigger);
      for (const type of await handledTypes(name))
        if (!routed.includes(type)) missing.push(`${name} ${type}`);
    }
    expect(missing).toEqual([]);
  });

  it("only name event types that exist, and the functions only emit those", () => {
    const emitted = functionNames().flatMap((name) =>
      [...functionSource(name).matchAll(/emit\(\s*"(bazaar\.[a-z_]+\.[a-z_]+)"/g)].map((match) => match[1]!),
    );
    expect(emitted.length).toBeGreaterThan(0);
    expect(emitted.filter((type) => !isEventType(type))).toEqual([]);
  });
});

describe("SinkBindings", () => {
  const bindings = deployment.ofKind("SinkBinding");

  it("give K_SINK to exactly the functions that publish (emit, or replay to K_SINK)", () => {
    const subjects = bindings.map((binding) => binding.spec.subject.name as string).sort();
    expect(subjects).toEqual(publishers());
  });

  it("point every publisher at the Broker", () => {
    for (const binding of bindings) {
      expect(binding.spec.subject).toEqual(ksvcRef(binding.spec.subject.name));
      expect(binding.spec.sink.ref).toEqual({
        apiVersion: "eventing.knative.dev/v1",
        kind: "Broker",
        name: "default",
      });
    }
  });
});

describe("PingSources", () => {
  const pings = deployment.ofKind("PingSource");
  const cron = /^(\S+\s+){4}\S+$/;

  it("re-send the outbox of every function that has one, on the route shared/runtime mounts", () => {
    const outbox = pings.filter((ping) => ping.spec.sink.uri === "/tasks/outbox");
    expect(outbox.map((ping) => ping.spec.sink.ref.name as string).sort()).toEqual(outboxPublishers());
    // A job named x answers at /tasks/x (shared/jobs), and shared/runtime mounts the outbox job in every function.
    expect(readFileSync(fromRoot("shared/jobs/jobs.ts"), "utf8")).toContain("path: `/tasks/${name}`");
    expect(readFileSync(fromRoot("shared/runtime/index.ts"), "utf8")).toMatch(
      /name: "outbox"[^]*mountJobs\(app/,
    );
  });

  it("run the payment-timeout sweep on the order function's route", () => {
    const sweep = pings.filter((ping) => ping.spec.sink.uri === "/tasks/sweep");
    expect(sweep.map((ping) => ping.spec.sink.ref.name)).toEqual(["order"]);
    expect(functionSource("order")).toMatch(/defineJob\(\{\s*name: "sweep"/);
    expect(functionSource("order")).toMatch(/mountJobs\(app, \[orderSweep\(/);
  });

  it("pick up pending charges on the payment function's route", () => {
    const settle = pings.filter((ping) => ping.spec.sink.uri === "/tasks/settle");
    expect(settle.map((ping) => ping.spec.sink.ref.name)).toEqual(["payment"]);
    expect(functionSource("payment")).toMatch(/defineJob\(\{\s*name: "settle"/);
    expect(functionSource("payment")).toMatch(/mountJobs\(app, \[settleJob\(/);
  });

  it("have a five-field schedule and a Knative Service as sink", () => {
    for (const ping of pings) {
      expect(ping.spec.schedule).toMatch(cron);
      expect(ping.spec.sink.ref).toEqual(ksvcRef(ping.spec.sink.ref.name));
      expect(deployment.services.has(ping.spec.sink.ref.name)).toBe(true);
    }
  });

  it("are the only timers in the cluster: no in-process outbox, sweep or settlement timer runs beside them", () => {
    const order = deployment.services.get("order")!.spec.template.spec.containers[0];
    expect(order.env).toContainEqual({ name: "ORDER_SWEEP_INTERVAL_MS", value: "0" });
    const settings = deployment.one("ConfigMap", "bazaar-config").data;
    expect(settings).toMatchObject({ OUTBOX_INTERVAL_MS: "0", PAYMENT_SETTLE_INTERVAL_MS: "0" });
  });
});

describe("observability in the cluster", () => {
  const prometheus = parse(deployment.one("ConfigMap", "prometheus-config").data["prometheus.yml"]);

  it("Prometheus keeps the pods annotated prometheus.io/scrape and scrapes the annotated port and path", () => {
    const job = prometheus.scrape_configs.find((config: any) => config.job_name === "bazaar-functions");
    expect(job.kubernetes_sd_configs[0]).toMatchObject({ role: "pod", namespaces: { names: ["bazaar"] } });
    const labels = job.relabel_configs.flatMap((rule: any) => rule.source_labels ?? []);
    for (const annotation of ["scrape", "port", "path"])
      expect(labels).toContain(`__meta_kubernetes_pod_annotation_prometheus_io_${annotation}`);
  });

  it("Alloy ships the function pods' logs to the cluster's Loki", () => {
    const alloy = deployment.one("ConfigMap", "alloy-config").data["config.alloy"] as string;
    expect(alloy).toContain("loki.source.kubernetes");
    expect(alloy).toContain("http://loki.bazaar.svc.cluster.local:3100/loki/api/v1/push");
    expect(deployment.one("Service", "loki").spec.ports[0].port).toBe(3100);
  });

  it("Loki runs with the same settings as in compose", () => {
    const cluster = parse(deployment.one("ConfigMap", "loki-config").data["loki.yaml"]);
    expect(cluster).toEqual(readYaml(fromRoot("observability/loki/loki.yaml")));
  });
});
