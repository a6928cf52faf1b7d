import { describe, expect, it } from "vitest";
import { containerOf, renderDeployment } from "./support/rendered";
import { databaseFunctions, fromRoot, readYaml, type Manifest } from "./support/repo";
import { crdErrors } from "./support/schemas";

/**
 * The NetworkPolicies in front of sqld, RabbitMQ and Valkey, against the workloads they protect and the clients they
 * let in. What eventing-rabbitmq and the RabbitMQ operators label their pods with is written in
 * knative/network-policies.yaml, read from their sources; these checks hold our own side to it.
 */
const deployment = renderDeployment();
const policies = deployment.ofKind("NetworkPolicy");
const policy = (name: string): Manifest => deployment.one("NetworkPolicy", name);
const clone = <T>(value: T): T => structuredClone(value);

type Rule = { from?: Record<string, any>[]; ports?: { protocol?: string; port?: number | string }[] };
const rulesOf = (manifest: Manifest): Rule[] => manifest.spec.ingress as Rule[];
const selects = (selector: Record<string, any>, labels: Record<string, string>): boolean =>
  Object.entries((selector["matchLabels"] ?? {}) as Record<string, string>).every(
    ([k, v]) => labels[k] === v,
  ) &&
  ((selector["matchExpressions"] ?? []) as { key: string; operator: string; values?: string[] }[]).every(
    ({ key, operator, values = [] }) =>
      operator === "In"
        ? values.includes(labels[key] ?? "")
        : operator === "Exists"
          ? key in labels
          : operator === "NotIn"
            ? !values.includes(labels[key] ?? "")
            : !(key in labels),
  );

describe("NetworkPolicies", () => {
  it("are three, sqld, rabbitmq and valkey, each valid against the NetworkPolicy schema", () => {
    expect(policies.map((manifest) => manifest.metadata.name).sort()).toEqual(["rabbitmq", "sqld", "valkey"]);
    for (const manifest of policies) expect(crdErrors(manifest), manifest.metadata.name).toEqual([]);
  });

  it("restrict ingress only, and only with rules that name who may connect", () => {
    for (const manifest of policies) {
      expect(manifest.spec.policyTypes, manifest.metadata.name).toEqual(["Ingress"]);
      expect(manifest.spec.egress).toBeUndefined();
      for (const rule of rulesOf(manifest))
        expect(rule.from?.length, manifest.metadata.name).toBeGreaterThan(0);
    }
  });

  it("leave the functions' own traffic to Knative: no policy selects a function's pods", () => {
    for (const service of deployment.services.values()) {
      const labels = {
        ...service.spec.template.metadata.labels,
        "serving.knative.dev/service": service.metadata.name,
      };
      for (const manifest of policies)
        expect(
          selects(manifest.spec.podSelector, labels),
          `${manifest.metadata.name} selects ${service.metadata.name}`,
        ).toBe(false);
    }
  });

  it("are enforced on kind: the cluster keeps its default network plugin, which implements them", () => {
    expect(readYaml(fromRoot("kind-config.yaml")).networking?.disableDefaultCNI).not.toBe(true);
  });
});

describe("sqld's policy", () => {
  const sqld = deployment.one("StatefulSet", "sqld");
  const portOf = new Map(
    (sqld.spec.template.spec.containers as Record<string, any>[]).map((container) => [
      container["name"] as string,
      container["ports"][0].containerPort as number,
    ]),
  );

  it("selects the sqld pod", () => {
    expect(selects(policy("sqld").spec.podSelector, sqld.spec.template.metadata.labels)).toBe(true);
  });

  it("lets each function with a database reach its own database's port and nothing else", () => {
    const allowed = rulesOf(policy("sqld")).map((rule) => {
      expect(rule.from).toHaveLength(1);
      expect(Object.keys(rule.from![0]!)).toEqual(["podSelector"]); // this namespace only
      expect(rule.ports).toHaveLength(1);
      return {
        function: rule.from![0]!["podSelector"].matchLabels["serving.knative.dev/service"] as string,
        port: rule.ports![0]!,
      };
    });
    expect(allowed.map((entry) => entry.function).sort()).toEqual(databaseFunctions());
    for (const entry of allowed) {
      expect(deployment.services.has(entry.function)).toBe(true);
      expect(entry.port).toEqual({ protocol: "TCP", port: portOf.get(entry.function) });
    }
  });
});

describe("RabbitMQ's policy", () => {
  const rabbitmq = policy("rabbitmq");
  const cluster = deployment.one("RabbitmqCluster", "rabbitmq");
  const broker = deployment.one("Broker", "default");
  const ruleFor = (port: number): Rule | undefined =>
    rulesOf(rabbitmq).find((rule) => rule.ports?.some((entry) => entry.port === port));

  it("selects the pods the cluster operator makes for our RabbitmqCluster", () => {
    expect(rabbitmq.spec.podSelector).toEqual({
      matchLabels: {
        "app.kubernetes.io/name": cluster.metadata.name,
        "app.kubernetes.io/component": "rabbitmq",
      },
    });
  });

  it("takes AMQP only from our Broker's ingress and dispatchers", () => {
    expect(ruleFor(5672)?.from).toEqual([
      {
        podSelector: {
          matchLabels: { "eventing.knative.dev/broker": broker.metadata.name },
          matchExpressions: [
            {
              key: "eventing.knative.dev/brokerRole",
              operator: "In",
              values: ["ingress", "dispatcher", "dispatcher-dlq"],
            },
          ],
        },
      },
    ]);
    expect(ruleFor(5672)?.ports).toEqual([{ protocol: "TCP", port: 5672 }]);
  });

  it("takes the management API only from the RabbitMQ operators' namespace", () => {
    const [peer] = ruleFor(15672)?.from ?? [];
    expect(peer?.["namespaceSelector"]).toEqual({
      matchLabels: { "kubernetes.io/metadata.name": "rabbitmq-system" },
    });
    expect(peer?.["podSelector"]).toEqual({
      matchLabels: { "app.kubernetes.io/component": "rabbitmq-operator" },
    });
    expect(ruleFor(15672)?.ports).toEqual([{ protocol: "TCP", port: 15672 }]);
  });

  it("lets our Prometheus scrape the port its config scrapes, and nobody else", () => {
    const prometheus = deployment.one("Deployment", "prometheus");
    const [peer] = ruleFor(15692)?.from ?? [];
    expect(Object.keys(peer ?? {})).toEqual(["podSelector"]);
    expect(selects(peer!["podSelector"], prometheus.spec.template.metadata.labels)).toBe(true);
    const scraped = readYaml(fromRoot("observability/cluster/prometheus.yml"))
      .scrape_configs.find((job: any) => job.job_name === "rabbitmq")
      .static_configs.flatMap((config: any) => config.targets as string[]);
    expect(scraped.map((target: string) => Number(target.split(":").at(-1)))).toEqual([15692]);
    expect(containerOf(prometheus)["name"]).toBe("prometheus");
  });

  it("lets the cluster's own nodes talk to each other on any port, and opens no other port", () => {
    const peers = rulesOf(rabbitmq).filter((rule) => rule.ports === undefined);
    expect(peers).toEqual([{ from: [{ podSelector: rabbitmq.spec.podSelector }] }]);
    const ports = rulesOf(rabbitmq).flatMap((rule) => (rule.ports ?? []).map((entry) => entry.port));
    expect(ports.sort((a, b) => Number(a) - Number(b))).toEqual([5672, 15672, 15692]);
  });
});

describe("Valkey's policy", () => {
  const valkey = deployment.one("Deployment", "valkey");
  const container = containerOf(valkey);
  const port = (container["ports"] as { containerPort: number }[])[0]?.containerPort;

  it("selects the Valkey pod", () => {
    expect(selects(policy("valkey").spec.podSelector, valkey.spec.template.metadata.labels)).toBe(true);
  });

  it("lets the gateway's pods, and only them, reach Valkey's port", () => {
    expect(rulesOf(policy("valkey"))).toEqual([
      {
        from: [{ podSelector: { matchLabels: { "serving.knative.dev/service": "gateway" } } }],
        ports: [{ protocol: "TCP", port }],
      },
    ]);
    expect(deployment.services.has("gateway")).toBe(true);
  });

  it("is where the gateway counts its rate limits: its Service, on that port", () => {
    const url = new URL(
      (containerOf(deployment.services.get("gateway")!)["env"] as { name: string; value?: string }[]).find(
        (entry) => entry.name === "RATE_LIMIT_REDIS_URL",
      )?.value ?? "",
    );
    const service = deployment.one("Service", "valkey");
    expect(url.protocol).toBe("redis:");
    expect(url.hostname).toBe(`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`);
    expect(service.spec.ports).toEqual([{ name: "valkey", port: Number(url.port), targetPort: "valkey" }]);
    expect(selects({ matchLabels: service.spec.selector }, valkey.spec.template.metadata.labels)).toBe(true);
  });

  it("keeps nothing on disk and runs as a non-root user with a read-only root", () => {
    const args = container["command"] as string[];
    expect(args.slice(args.indexOf("--save"), args.indexOf("--save") + 2)).toEqual(["--save", ""]);
    expect(args.slice(args.indexOf("--appendonly"), args.indexOf("--appendonly") + 2)).toEqual([
      "--appendonly",
      "no",
    ]);
    expect(valkey.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(container["securityContext"]).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
  });
});

describe("the NetworkPolicy schema rejects", () => {
  it("a misspelt field", () => {
    const wrong = clone(policy("sqld"));
    wrong.spec.ingress[0].form = wrong.spec.ingress[0].from;
    expect(crdErrors(wrong).join()).toContain("form");
  });

  it("a protocol that does not exist, and a port out of range", () => {
    const wrong = clone(policy("sqld"));
    wrong.spec.ingress[0].ports[0] = { protocol: "HTTP", port: 70000 };
    const errors = crdErrors(wrong).join("\n");
    expect(errors).toContain("allowed values");
    expect(errors).toContain("65535");
  });

  it("a peer that names an IP block and a pod selector together, or nothing at all", () => {
    const both = clone(policy("sqld"));
    both.spec.ingress[0].from[0].ipBlock = { cidr: "10.0.0.0/8" };
    expect(crdErrors(both).length).toBeGreaterThan(0);
    const empty = clone(policy("sqld"));
    empty.spec.ingress[0].from[0] = {};
    expect(crdErrors(empty).length).toBeGreaterThan(0);
  });
});
