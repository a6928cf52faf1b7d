import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { hasKubectl, kubectlKustomize } from "./support/kustomize";
import { renderDeployment, NAMESPACE } from "./support/rendered";
import { fromRoot, rootDir, type Manifest } from "./support/repo";
import { coreKinds, crdErrors, crdSchemas, typeOf } from "./support/schemas";

/** knative/ as `kubectl apply -k knative/` would send it, checked offline against the CRDs' schemas. */
const deployment = renderDeployment();
const idOf = (manifest: Manifest): string => `${manifest.kind}/${manifest.metadata.name}`;
const clone = <T>(value: T): T => structuredClone(value);

describe("knative/ renders", () => {
  it("from files that all exist, and every manifest under knative/ is part of it", () => {
    const yamlFiles = readdirSync(fromRoot("knative"), { recursive: true, withFileTypes: true })
      .filter(
        (entry) => entry.isFile() && entry.name.endsWith(".yaml") && entry.name !== "kustomization.yaml",
      )
      .map((entry) => relative(rootDir, join(entry.parentPath, entry.name)))
      .sort();
    const rendered = new Set(deployment.all.map((entry) => entry.file));
    expect(yamlFiles.filter((file) => !rendered.has(file))).toEqual([]);
    expect(deployment.manifests.length).toBeGreaterThan(40);
  });

  it("the same way with `kubectl kustomize knative/`", () => {
    expect(hasKubectl(), "kubectl is missing: .ci/run installs it").toBe(true);
    const byKubectl = kubectlKustomize(fromRoot("knative")) ?? [];
    const ours = new Map(deployment.manifests.map((manifest) => [idOf(manifest), manifest]));
    expect(byKubectl.map(idOf).sort()).toEqual([...ours.keys()].sort());
    for (const manifest of byKubectl) expect(manifest, idOf(manifest)).toEqual(ours.get(idOf(manifest)));
  });

  it("into named objects of namespace bazaar, each once", () => {
    const ids = deployment.manifests.map(idOf);
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
    for (const manifest of deployment.manifests) {
      expect(manifest.metadata.name, idOf(manifest)).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      if (manifest.kind === "Namespace") expect(manifest.metadata.name).toBe(NAMESPACE);
      else expect(manifest.metadata.namespace, idOf(manifest)).toBe(NAMESPACE);
    }
  });

  it("with no Secret: secrets are generated in the cluster by scripts/kind/secrets.sh", () => {
    expect(deployment.ofKind("Secret")).toEqual([]);
  });

  it("only into kinds that have a vendored CRD schema or are core Kubernetes", () => {
    const unknown = deployment.manifests
      .map(typeOf)
      .filter((type) => !crdSchemas[type] && !coreKinds.has(type));
    expect([...new Set(unknown)]).toEqual([]);
  });
});

describe("every custom resource", () => {
  const custom = deployment.all.filter(({ manifest }) => crdSchemas[typeOf(manifest)]);

  it("is there at all (Services, Triggers, the Broker, sources, RabbitMQ, NetworkPolicies)", () => {
    const kinds = new Set(custom.map(({ manifest }) => manifest.kind));
    for (const kind of [
      "Service",
      "Trigger",
      "Broker",
      "SinkBinding",
      "PingSource",
      "RabbitmqCluster",
      "RabbitmqBrokerConfig",
      "NetworkPolicy",
    ])
      expect(kinds, kind).toContain(kind);
  });

  it("validates against its CRD's schema (Knative 1.22, RabbitMQ operators, eventing-rabbitmq, NetworkPolicy)", () => {
    const failures = custom.flatMap(({ manifest, file }) =>
      crdErrors(manifest).map((error) => `${file} ${idOf(manifest)}: ${error}`),
    );
    expect(failures).toEqual([]);
  });
});

/** The schemas are only worth something if they reject what the cluster would: a few mistakes, one each. */
describe("the vendored schemas reject", () => {
  const service = deployment.one("Service", "order");
  const trigger = deployment.ofKind("Trigger")[0]!;

  it("a misspelt field of a Knative Service", () => {
    const typo = clone(service);
    typo.spec.template.spec.containerConcurency = 10;
    expect(crdErrors(typo).join()).toContain("containerConcurency");
  });

  it("a port given as a string and a probe field that does not exist", () => {
    const wrong = clone(service);
    wrong.spec.template.spec.containers[0].ports[0].containerPort = "8080";
    wrong.spec.template.spec.containers[0].readinessProbe.initialDelay = 1;
    const errors = crdErrors(wrong).join("\n");
    expect(errors).toContain("containerPort must be integer");
    expect(errors).toContain("initialDelay");
  });

  it("a Trigger using the new `filters` dialects, which the RabbitMQ broker ignores", () => {
    const wrong = clone(trigger);
    wrong.spec.filters = [{ exact: { type: "bazaar.order.placed" } }];
    expect(crdErrors(wrong).join()).toContain("filters");
  });

  it("a RabbitmqBrokerConfig naming both a cluster and a connection secret, or a queue type that does not exist", () => {
    const both = clone(deployment.one("RabbitmqBrokerConfig", "default-config"));
    both.spec.rabbitmqClusterReference.connectionSecret = { name: "rabbit" };
    expect(crdErrors(both).length).toBeGreaterThan(0);
    const stream = clone(deployment.one("RabbitmqBrokerConfig", "default-config"));
    stream.spec.queueType = "stream";
    expect(crdErrors(stream).join()).toContain("allowed values");
  });

  it("a RabbitmqCluster with a misspelt resources block", () => {
    const wrong = clone(deployment.one("RabbitmqCluster", "rabbitmq"));
    wrong.spec.resource = wrong.spec.resources;
    expect(crdErrors(wrong).join()).toContain("resource");
  });
});
