import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { EVENT_PUBLIC_KEYS, secretNames } from "../../scripts/kind/secrets";
import { containerOf, envOf, IMAGE, renderDeployment } from "./support/rendered";
import { fromRoot, readYaml, readYamlDocuments, rootDir, type Manifest } from "./support/repo";

/**
 * The kind scripts cannot run here (no Docker engine, no cluster): they are syntax-checked, linted with
 * shellcheck where it is installed, and checked against the cluster config and manifests they drive.
 */
const kindDir = fromRoot("scripts/kind");
const scripts = readdirSync(kindDir).filter((file) => file.endsWith(".sh"));
const entryScripts = ["up.sh", "deploy.sh", "smoke.sh", "down.sh", "secrets.sh"];
const text = (file: string): string => readFileSync(join(kindDir, file), "utf8");
const lib = text("lib.sh");
const kindConfig = readYaml(fromRoot("kind-config.yaml"));
const deployment = renderDeployment();

const hasShellcheck = (() => {
  try {
    execFileSync("shellcheck", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("scripts/kind", () => {
  it("has up, deploy, smoke, down and secrets, all executable", () => {
    expect(scripts).toEqual(expect.arrayContaining([...entryScripts, "lib.sh"]));
    for (const file of entryScripts) expect(statSync(join(kindDir, file)).mode & 0o111, file).not.toBe(0);
  });

  it.each(scripts)("%s parses (bash -n)", (file) => {
    expect(() => execFileSync("bash", ["-n", join(kindDir, file)], { stdio: "pipe" })).not.toThrow();
  });

  it("passes shellcheck", () => {
    expect(hasShellcheck, "shellcheck is missing: .ci/run installs it").toBe(true);
    const result = (() => {
      try {
        return execFileSync("shellcheck", ["-x", ...scripts], {
          cwd: kindDir,
          encoding: "utf8",
          stdio: "pipe",
        });
      } catch (error) {
        return String((error as { stdout?: string }).stdout);
      }
    })();
    expect(result).toBe("");
  });

  it.each(entryScripts)("%s stops on the first error and checks its prerequisites first", (file) => {
    const body = text(file);
    expect(body).toMatch(/^#!\/usr\/bin\/env bash\n/);
    expect(body).toContain("set -euo pipefail");
    expect(body).toContain('source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"');
    expect(body).toContain("check_prerequisites");
    expect(body.indexOf("check_prerequisites")).toBeLessThan(
      body.search(/\bkube\b|\bkind (create|delete|load)\b|docker build/),
    );
  });

  it("pins the Knative 1.22 line", () => {
    for (const name of ["KNATIVE_SERVING", "KOURIER", "KNATIVE_EVENTING", "EVENTING_RABBITMQ"])
      expect(lib).toMatch(new RegExp(`${name}_VERSION="\\$\\{${name}_VERSION:-knative-v1\\.22\\.\\d+\\}"`));
  });

  it("installs in dependency order: Serving, Kourier, Eventing, cert-manager, the operators, eventing-rabbitmq", () => {
    const up = text("up.sh");
    const order = [
      "serving-crds.yaml",
      "serving-core.yaml",
      "kourier.yaml",
      "eventing-crds.yaml",
      "eventing-core.yaml",
      "cert-manager.yaml",
      "cluster-operator.yml",
      "messaging-topology-operator-with-certmanager.yaml",
      "rabbitmq-broker.yaml",
    ].map((file) => up.indexOf(file));
    expect(order.every((position) => position > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(up).toContain("if cluster_exists; then"); // a second run keeps the cluster
  });

  it("deploys the image the manifests name, and waits for every Service and Trigger", () => {
    const deploy = text("deploy.sh");
    expect(lib).toContain(`IMAGE_REPO=${IMAGE.split(":")[0]}`);
    for (const service of deployment.services.values()) expect(containerOf(service)["image"]).toBe(IMAGE);
    expect(deploy).toContain('sed "s|$IMAGE_REPO:dev|$IMAGE_REPO:$tag|g"');
    expect(deploy).toContain('kind load docker-image "$IMAGE_REPO:$tag"');
    expect(deploy).toContain("wait ksvc --all --for=condition=Ready");
    expect(deploy).toContain("wait trigger --all --for=condition=Ready");
    expect(deploy).toContain('"$ROOT/scripts/kind/secrets.sh"');
  });

  it("creates every Secret the manifests refer to, each only when missing", () => {
    const referred = new Set<string>();
    for (const manifest of deployment.manifests) {
      const containers = (manifest.spec?.template?.spec?.containers ?? []) as Record<string, any>[];
      for (const container of containers)
        for (const entry of envOf(container)) if (entry.secret) referred.add(entry.secret.name);
    }
    const created = /^names=\(([\w\s-]+)\)$/m.exec(text("secrets.sh"))?.[1]?.trim().split(/\s+/) ?? [];
    expect([...referred].sort()).toEqual([...created].sort());
    expect([...secretNames].sort()).toEqual([...created].sort());
    expect(text("secrets.sh")).toContain("--dry-run=client -o yaml");
  });

  it("waits, in a rotation, for the pods of exactly the functions that mount event-public-keys, where they mount it", () => {
    const readers = [...deployment.services.values()].filter((service) =>
      (service.spec.template.spec.volumes ?? []).some(
        (volume: Record<string, any>) => volume["configMap"]?.name === EVENT_PUBLIC_KEYS,
      ),
    );
    const listed = /^key_readers=\(([\w\s-]+)\)$/m.exec(text("secrets.sh"))?.[1]?.trim().split(/\s+/) ?? [];
    expect(listed.sort()).toEqual(readers.map((service) => service.metadata.name as string).sort());
    const mount = /^EVENT_KEYS_MOUNT=(\S+)$/m.exec(text("secrets.sh"))?.[1];
    expect(text("secrets.sh")).toContain(`EVENT_PUBLIC_KEYS=${EVENT_PUBLIC_KEYS}`);
    for (const service of readers)
      expect(containerOf(service)["volumeMounts"], service.metadata.name).toContainEqual({
        name: EVENT_PUBLIC_KEYS,
        mountPath: mount,
        readOnly: true,
      });
  });

  it("smoke-tests through the ingress with the gateway's Host, as far as a confirmed order", () => {
    const smoke = text("smoke.sh");
    expect(smoke).toContain('-H "Host: ${5:-$host}"');
    expect(smoke).toContain("confirmed | shipped | delivered) break");
    expect(smoke).toContain("it must be cluster-local");
  });
});

describe("kind-config.yaml", () => {
  const node = kindConfig.nodes[0];
  const kourier = readYamlDocuments(join(kindDir, "kourier-ingress.yaml"))[0] as Manifest;

  it("names the cluster the scripts use, on a Kubernetes new enough for Knative 1.22", () => {
    expect(lib).toContain(`CLUSTER="\${CLUSTER:-${kindConfig.name}}"`);
    const [, minor] = /kindest\/node:v1\.(\d+)\./.exec(node.image) ?? [];
    expect(Number(minor)).toBeGreaterThanOrEqual(34);
  });

  it("maps Kourier's NodePort to the host port the scripts call", () => {
    const mapping = node.extraPortMappings[0];
    expect(mapping.containerPort).toBe(kourier.spec.ports[0].nodePort);
    expect(lib).toContain(`INGRESS_PORT="\${INGRESS_PORT:-${mapping.hostPort}}"`);
    expect(kourier.spec.selector).toEqual({ app: "3scale-kourier-gateway" });
  });

  it("has the pod network the gateway trusts for X-Forwarded-For", () => {
    const gateway = envOf(containerOf(deployment.services.get("gateway")!));
    const trusted =
      gateway.find((entry) => entry.name === "GATEWAY_TRUSTED_PROXIES")?.value?.split(",") ?? [];
    expect(trusted).toContain(kindConfig.networking.podSubnet);
    expect(trusted).toContain("127.0.0.1");
  });

  it("lets the node run every Trigger's dispatchers", () => {
    const kubelet = kindConfig.kubeadmConfigPatches.map((patch: string) => parse(patch));
    const pods = deployment.ofKind("Trigger").length * 2;
    expect(kubelet.find((patch: any) => patch.kind === "KubeletConfiguration")?.maxPods).toBeGreaterThan(
      110 + pods,
    );
  });
});

describe("no secret value is committed", () => {
  const scanned = [
    "knative",
    "scripts/kind",
    "scripts/docker",
    "observability",
    "compose.dev.yaml",
    "kind-config.yaml",
    "Dockerfile",
    ".dockerignore",
  ].flatMap((path) => {
    const full = fromRoot(path);
    return statSync(full).isDirectory()
      ? readdirSync(full, { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile() && !entry.name.endsWith(".test.ts"))
          .map((entry) => join(entry.parentPath, entry.name))
      : [full];
  });
  // The RabbitMQ image's documented local-only default, used by the dev stack alone.
  const allowedCredentials = ["guest:guest"];
  const findings = scanned.flatMap((file) =>
    readFileSync(file, "utf8")
      .split("\n")
      .flatMap((line, index) => {
        const where = `${relative(rootDir, file)}:${index + 1}`;
        const found: string[] = [];
        if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(line)) found.push(`${where} private key`);
        if (/\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}/.test(line)) found.push(`${where} JWT`);
        if (/"d"\s*:\s*"[\w-]{20,}"/.test(line)) found.push(`${where} private JWK`);
        const credentials = /\/\/([^/\s:@]+:[^/\s@]+)@/.exec(line)?.[1];
        if (credentials && !allowedCredentials.includes(credentials)) found.push(`${where} URL credentials`);
        // Settings files only: in code, `password: randomBytes(...)` is how a secret is made, not one.
        const assignment = file.endsWith(".ts")
          ? null
          : /\b[\w.-]*(password|passwd|secret|token|private_?key)[\w.-]*"?\s*[:=]\s*"?([^\s"#]*)/i.exec(line);
        const value = assignment?.[2] ?? "";
        if (assignment && value && !/^(\$|null$|~$|\||>|\[|\{)/.test(value) && !value.includes("$"))
          found.push(`${where} ${assignment[0]}`);
        return found;
      }),
  );

  it("in the deployment files, scripts and observability config", () => {
    expect(scanned.length).toBeGreaterThan(30);
    expect(findings).toEqual([]);
  });
});
