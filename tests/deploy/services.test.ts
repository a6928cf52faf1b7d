import { describe, expect, it } from "vitest";
import {
  EVENT_PUBLIC_KEYS,
  eventKeySecretOf,
  eventProducers,
  generateSecret,
  secretNames,
  type SecretData,
} from "../../scripts/kind/secrets";
import { producers } from "../../shared/events/catalog";
import { containerOf, envOf, IMAGE, portOf, renderDeployment, type EnvEntry } from "./support/rendered";
import {
  configSchemaOf,
  databaseFunctions,
  functionNames,
  keysOf,
  outboxPublishers,
  requiredKeysOf,
  type Manifest,
} from "./support/repo";

/** The Knative Services and the sqld StatefulSet, against the functions' code and config schemas. */
const deployment = renderDeployment();
const { services } = deployment;
const functions = functionNames();
const configMap = deployment.one("ConfigMap", "bazaar-config").data as Record<string, string>;
const sqld = deployment.one("StatefulSet", "sqld");
const sqldContainers = new Map<string, Record<string, any>>(
  (sqld.spec.template.spec.containers as Record<string, any>[]).map((container) => [
    container["name"],
    container,
  ]),
);
/** What scripts/kind/secrets.sh would put in each Secret, generated for real. */
const secrets = Object.fromEntries(secretNames.map((name) => [name, generateSecret(name)])) as Record<
  string,
  SecretData
>;

// Knative fills these in (runtime contract) and refuses a template that sets them.
const reserved = ["PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"];
const reservedPorts = [8008, 8012, 8013, 8022, 9090, 9091];

describe("Knative Services", () => {
  it("one per function, named after it", () => {
    expect([...services.keys()].sort()).toEqual(functions);
  });

  it("only the gateway is public; every other function is cluster-local", () => {
    const publicOnes = [...services.values()]
      .filter((service) => service.metadata.labels?.["networking.knative.dev/visibility"] !== "cluster-local")
      .map((service) => service.metadata.name);
    expect(publicOnes).toEqual(["gateway"]);
  });

  describe.each(functions)("%s", (name) => {
    const service = services.get(name) as Manifest;
    const template = service.spec.template;
    const annotations = template.metadata.annotations as Record<string, string>;
    const container = containerOf(service);

    it("runs its bundle from the shared image, in one container with one port that is not Knative's", () => {
      expect(template.spec.containers).toHaveLength(1);
      expect(container["image"]).toBe(IMAGE);
      expect(container["args"]).toEqual([`dist/${name}/index.js`]);
      expect(container["ports"]).toEqual([{ name: "http1", containerPort: 8080 }]);
      expect(reservedPorts).not.toContain(container["ports"][0].containerPort);
    });

    it("is probed on /readyz and /healthz on its own port, with no initial delay", () => {
      expect(container["readinessProbe"].httpGet.path).toBe("/readyz");
      expect(container["livenessProbe"].httpGet.path).toBe("/healthz");
      for (const probe of [container["readinessProbe"], container["livenessProbe"]]) {
        expect(probe.initialDelaySeconds ?? 0).toBe(0);
        expect(probe.httpGet.port ?? 8080).toBe(8080);
      }
      expect(container["startupProbe"]).toBeUndefined();
    });

    it("requests CPU and memory and caps memory", () => {
      expect(container["resources"].requests.cpu).toMatch(/^\d+m$/);
      expect(container["resources"].requests.memory).toMatch(/^\d+Mi$/);
      expect(container["resources"].limits.memory).toMatch(/^\d+Mi$/);
    });

    it("scales with KPA, to zero unless a documented reason says otherwise", () => {
      expect(annotations["autoscaling.knative.dev/class"]).toBe("kpa.autoscaling.knative.dev");
      const min = Number(annotations["autoscaling.knative.dev/min-scale"]);
      const max = Number(annotations["autoscaling.knative.dev/max-scale"]);
      expect(Number.isInteger(min) && Number.isInteger(max) && max >= Math.max(min, 1)).toBe(true);
      if (min !== 0)
        expect(service.metadata.annotations?.["bazaar.dev/min-scale-reason"]).toMatch(/\S.{39,}/);
      for (const value of Object.values(annotations)) expect(typeof value).toBe("string");
    });

    it("is scraped by Prometheus on /metrics of its own port; the public gateway on a private one", () => {
      expect(annotations["prometheus.io/scrape"]).toBe("true");
      expect(annotations["prometheus.io/path"]).toBe("/metrics");
      const servingPort = String(container["ports"][0].containerPort);
      if (name !== "gateway") {
        expect(annotations["prometheus.io/port"]).toBe(servingPort);
        return;
      }
      // The gateway's serving port is the internet's way in and answers /metrics with 404.
      const metricsPort = envOf(container).find((entry) => entry.name === "GATEWAY_METRICS_PORT")?.value;
      expect(annotations["prometheus.io/port"]).toBe(metricsPort);
      expect(metricsPort).not.toBe(servingPort);
      expect(reservedPorts).not.toContain(Number(metricsPort));
    });

    it("runs as non-root with no privileges to gain, and answers within 10 minutes", () => {
      expect(container["securityContext"]).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      expect(template.spec.timeoutSeconds).toBeLessThanOrEqual(600);
    });

    it("takes its settings from the ConfigMap and its secrets by reference to generated Secrets", () => {
      expect(container["envFrom"]).toEqual([{ configMapRef: { name: "bazaar-config" } }]);
      const env = envOf(container);
      expect(env.map((entry) => entry.name).filter((key) => reserved.includes(key))).toEqual([]);
      for (const { name: key, secret } of env.filter((entry) => entry.secret)) {
        expect(Object.keys(secrets), key).toContain(secret!.name);
        expect(Object.keys(secrets[secret!.name]!), `${key} from ${secret!.name}`).toContain(secret!.key);
      }
      expect(env.filter((entry) => /PASSWORD|TOKEN|JWK|SECRET/.test(entry.name) && !entry.secret)).toEqual(
        [],
      );
    });

    it("sets only env keys its config schema reads, and its whole config parses", async () => {
      const schema = await configSchemaOf(name);
      const env = envOf(container);
      expect(env.map((entry) => entry.name).filter((key) => !keysOf(schema).includes(key))).toEqual([]);

      const values: Record<string, string> = { ...configMap, PORT: "8080", K_SERVICE: name };
      for (const entry of env)
        values[entry.name] = entry.value ?? secrets[entry.secret!.name]![entry.secret!.key]!;
      expect(requiredKeysOf(schema).filter((key) => values[key] === undefined)).toEqual([]);
      const parsed = schema.safeParse(values);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    });
  });

  it("every ConfigMap key is read by at least one function", async () => {
    const read = new Set<string>();
    for (const name of functions) for (const key of keysOf(await configSchemaOf(name))) read.add(key);
    expect(Object.keys(configMap).filter((key) => !read.has(key))).toEqual([]);
  });

  it("the ConfigMap points each function at the others' cluster-local URLs", () => {
    for (const name of functions)
      expect(configMap[`${name.toUpperCase().replaceAll("-", "_")}_URL`]).toBe(
        `http://${name}.bazaar.svc.cluster.local`,
      );
    expect(configMap["JWKS_URL"]).toBe("http://customer.bazaar.svc.cluster.local/.well-known/jwks.json");
  });
});

describe("listening and event signing keys", () => {
  const envMap = (name: string): Record<string, EnvEntry> =>
    Object.fromEntries(envOf(containerOf(services.get(name)!)).map((entry) => [entry.name, entry]));
  const volumesOf = (name: string): Record<string, any>[] =>
    services.get(name)!.spec.template.spec.volumes ?? [];

  it.each(functions)(
    "%s listens on every address of its pod (HOST=0.0.0.0), as probes and scrapes need",
    (name) => {
      expect(envMap(name)["HOST"]?.value).toBe("0.0.0.0");
    },
  );

  it("the producers are the functions whose code emits events, the producers of the event catalog", () => {
    expect(eventProducers).toEqual(outboxPublishers());
    expect([...producers].sort()).toEqual(eventProducers);
  });

  it.each(eventProducers)(
    "%s signs with its own Secret, which no other Service refers to (least privilege)",
    (producer) => {
      expect(envMap(producer)["EVENT_PRIVATE_JWK"]?.secret).toEqual({
        name: eventKeySecretOf(producer),
        key: "private.jwk",
      });
      const referrers = [...services.values()]
        .filter((service) =>
          JSON.stringify(service.spec.template).includes(`"${eventKeySecretOf(producer)}"`),
        )
        .map((service) => service.metadata.name);
      expect(referrers).toEqual([producer]);
    },
  );

  it("no other function has a private event key", () => {
    for (const name of functions.filter((fn) => !eventProducers.includes(fn)))
      expect(envMap(name)["EVENT_PRIVATE_JWK"], name).toBeUndefined();
  });

  it.each(functions.filter((name) => name !== "gateway"))(
    "%s reads every producer's public key from the ConfigMap, mounted read-only where EVENT_KEYS_DIR says",
    (name) => {
      const volume = volumesOf(name).find((entry) => entry["configMap"]?.name === EVENT_PUBLIC_KEYS);
      expect(volume, `${name} does not mount ${EVENT_PUBLIC_KEYS}`).toBeDefined();
      // No items: every <producer>.json appears, and an updated ConfigMap reaches the running pod.
      expect(volume!["configMap"]).toEqual({ name: EVENT_PUBLIC_KEYS });
      const mount = (containerOf(services.get(name)!)["volumeMounts"] as Record<string, any>[]).find(
        (entry) => entry["name"] === volume!["name"],
      );
      expect(mount).toEqual({
        name: volume!["name"],
        mountPath: envMap(name)["EVENT_KEYS_DIR"]?.value,
        readOnly: true,
      });
      expect(mount!["subPath"]).toBeUndefined(); // a subPath mount is never updated
    },
  );

  it("the gateway, which neither receives nor emits events, has no key material at all", () => {
    expect(volumesOf("gateway")).toEqual([]);
    expect(envMap("gateway")["EVENT_KEYS_DIR"]).toBeUndefined();
  });

  it("the ConfigMap and the Secrets are not in knative/: scripts/kind/secrets.sh makes and keeps them", () => {
    expect(() => deployment.one("ConfigMap", EVENT_PUBLIC_KEYS)).toThrow();
    expect(deployment.ofKind("Secret")).toEqual([]);
  });
});

describe("sqld", () => {
  const databases = databaseFunctions();
  const servicePorts = new Map(
    (deployment.one("Service", "sqld").spec.ports as Record<string, any>[]).map((port) => [
      port["name"],
      port,
    ]),
  );

  it("has one container and one volume per function database, and nothing else", () => {
    expect([...sqldContainers.keys()].sort()).toEqual(databases);
    const claims = (sqld.spec.volumeClaimTemplates as Manifest[]).map((claim) => claim.metadata.name).sort();
    expect(claims).toEqual(databases.map((name) => `${name}-db`));
    expect(sqld.spec.replicas).toBe(1);
  });

  it.each(databases)("serves %s's database on its own port and volume, with its own key", (name) => {
    const container = sqldContainers.get(name)!;
    const env = Object.fromEntries(envOf(container).map((entry) => [entry.name, entry]));
    const port = container["ports"][0].containerPort as number;
    expect(env["SQLD_HTTP_LISTEN_ADDR"]?.value).toBe(`0.0.0.0:${port}`);
    expect(env["SQLD_AUTH_JWT_KEY"]?.secret).toEqual({ name: "sqld-auth", key: `${name}.pub` });
    expect(container["volumeMounts"]).toEqual([{ name: `${name}-db`, mountPath: "/var/lib/sqld" }]);
    expect(servicePorts.get(name)).toMatchObject({ port, targetPort: name });
    expect(container["readinessProbe"].httpGet.path).toBe("/health");

    const functionEnv = Object.fromEntries(
      envOf(containerOf(services.get(name)!)).map((entry) => [entry.name, entry]),
    );
    expect(functionEnv["DATABASE_URL"]?.value).toBe(`http://sqld.bazaar.svc.cluster.local:${port}`);
    expect(portOf(functionEnv["DATABASE_URL"]!.value!)).toBe(port);
    expect(functionEnv["DATABASE_AUTH_TOKEN"]?.secret).toEqual({ name: "sqld-auth", key: `${name}.token` });
  });

  it("gives each database a port of its own", () => {
    const ports = [...sqldContainers.values()].map(
      (container) => container["ports"][0].containerPort as number,
    );
    expect(new Set(ports).size).toBe(ports.length);
  });

  it("leaves functions without a database without DATABASE_URL", () => {
    for (const name of functions.filter((fn) => !databases.includes(fn)))
      expect(envOf(containerOf(services.get(name)!)).map((entry) => entry.name)).not.toContain(
        "DATABASE_URL",
      );
  });

  it("runs as non-root", () => {
    expect(sqld.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 666 });
  });
});

describe("the other workloads (Prometheus, Loki, Alloy, Grafana)", () => {
  it.each(deployment.ofKind("Deployment").map((manifest) => manifest.metadata.name as string))(
    "%s requests resources, is probed for readiness and runs as non-root",
    (name) => {
      const spec = deployment.one("Deployment", name).spec.template.spec;
      expect(spec.securityContext.runAsNonRoot).toBe(true);
      for (const container of spec.containers as Record<string, any>[]) {
        expect(container["resources"].requests).toHaveProperty("memory");
        expect(container["resources"].limits).toHaveProperty("memory");
        expect(container["readinessProbe"]).toBeDefined();
      }
      const configMaps = (spec.volumes ?? [])
        .filter((volume: Record<string, any>) => volume["configMap"])
        .map((volume: Record<string, any>) => volume["configMap"].name);
      for (const configMap of configMaps) expect(() => deployment.one("ConfigMap", configMap)).not.toThrow();
    },
  );
});
