import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { devServicePorts } from "../../scripts/dev/services";
import { urlVariableOf } from "../../shared/config/services";
import { configSchemaOf, fromRoot, functionNames, keysOf, readYaml } from "./support/repo";
import { composeErrors } from "./support/schemas";

/** compose.dev.yaml as Compose reads it (merge keys resolved), against the spec's schema and the code. */
const compose = readYaml(fromRoot("compose.dev.yaml"));
const services = compose.services as Record<string, Record<string, any>>;
const functions = functionNames();
// Read by the dev broker's RabbitMQ transport (DESIGN §5), which is not in its config schema yet.
const brokerExtras = ["AMQP_URL"];

/** Environment as the container gets it: a key without a value comes from the host, or is left unset. */
const environmentOf = (name: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries((services[name]?.["environment"] ?? {}) as Record<string, unknown>)
      .filter(([, value]) => value !== null)
      .map(([key, value]) => [key, String(value)]),
  );

const hostPort = (port: number): string => `${port}:${port}`;
/** The environment every function shares (the x-function-env anchor), like the ConfigMap in the cluster. */
const sharedKeys = Object.keys(compose["x-function-env"] as Record<string, unknown>);

describe("compose.dev.yaml", () => {
  it("is valid against the Compose specification's schema", () => {
    expect(composeErrors(compose)).toEqual([]);
  });

  it("names its project, so the log pipeline can find its containers", () => {
    expect(compose.name).toBe("bazaar");
    expect(readFileSync(fromRoot("observability/alloy/compose.alloy"), "utf8")).toContain(
      "com.docker.compose.project=bazaar",
    );
  });

  it("gives every service a health check", () => {
    const without = Object.entries(services)
      .filter(([, service]) => !service["healthcheck"]?.test)
      .map(([name]) => name);
    expect(without).toEqual([]);
  });

  it("runs RabbitMQ with its management UI on the usual ports", () => {
    expect(services["rabbitmq"]?.["image"]).toMatch(/^rabbitmq:[\d.]+-management$/);
    expect(services["rabbitmq"]?.["ports"]).toEqual(["5672:5672", "15672:15672"]);
  });

  it("runs Valkey for the gateway's rate-limit counters, in memory, unpublished, where the gateway looks", () => {
    const valkey = services["valkey"]!;
    expect(valkey["image"]).toMatch(/^valkey\/valkey:[\d.]+-alpine$/);
    expect(valkey["ports"]).toBeUndefined();
    expect(valkey["command"]).toEqual(expect.arrayContaining(["--save", "", "--appendonly", "no"]));
    expect(new URL(environmentOf("gateway")["RATE_LIMIT_REDIS_URL"] ?? "").host).toBe("valkey:6379");
    expect(services["gateway"]?.["depends_on"]).toMatchObject({
      broker: { condition: "service_healthy" },
      valkey: { condition: "service_started" },
    });
  });

  it("runs the dev broker from the image, on RabbitMQ once RabbitMQ is healthy", async () => {
    const broker = services["broker"]!;
    expect(broker["command"]).toEqual(["dist/broker/index.js"]);
    expect(broker["depends_on"]).toEqual({ rabbitmq: { condition: "service_healthy" } });
    expect(broker["ports"]).toEqual([hostPort(devServicePorts.broker)]);
    const env = environmentOf("broker");
    expect(env["AMQP_URL"]).toBe("amqp://guest:guest@rabbitmq:5672");
    const known = [...keysOf(await configSchemaOf("broker")), ...brokerExtras];
    expect(Object.keys(env).filter((key) => !known.includes(key))).toEqual([]);
    expect((await configSchemaOf("broker")).safeParse(env).success).toBe(true);
  });

  describe.each(functions)("%s", (name) => {
    const service = services[name]!;
    const env = environmentOf(name);
    const port = devServicePorts[name as keyof typeof devServicePorts];

    it("runs from the same image as every function, built from the Dockerfile", () => {
      expect(service["image"]).toBe(services["broker"]?.["image"]);
      expect(service["build"]).toEqual({ context: "." });
      expect(service["command"]).toEqual([`dist/${name}/index.js`]);
    });

    it("listens on the original's port", () => {
      expect(env["PORT"]).toBe(String(port));
      expect(env["K_SERVICE"]).toBe(name);
      expect(service["ports"]).toEqual([hostPort(port)]);
    });

    it("publishes to the dev broker and reaches the others by their compose names", () => {
      expect(env["K_SINK"]).toBe(`http://broker:${devServicePorts.broker}`);
      for (const other of functions)
        expect(env[urlVariableOf(other)]).toBe(
          `http://${other}:${devServicePorts[other as keyof typeof devServicePorts]}`,
        );
      expect(env["JWKS_URL"]).toBe(`http://customer:${devServicePorts.customer}/.well-known/jwks.json`);
    });

    it("sets only keys its config schema reads (beyond the shared ones), and its config parses", async () => {
      const schema = await configSchemaOf(name);
      const own = Object.keys(env).filter((key) => !sharedKeys.includes(key));
      expect(own.filter((key) => !keysOf(schema).includes(key))).toEqual([]);
      const parsed = schema.safeParse(env);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    });
  });

  describe("event signing keys", () => {
    const mountsOf = (name: string): Map<string, string> =>
      new Map(
        ((services[name]?.["volumes"] ?? []) as string[]).map((volume) => {
          const [source = "", target = ""] = volume.split(":");
          return [target, source];
        }),
      );
    const receivers = functions.filter((name) => name !== "gateway");
    const keysDir = environmentOf("order")["EVENT_KEYS_DIR"]!;

    it("every function but the gateway mounts the one shared volume of public keys, where EVENT_KEYS_DIR says", () => {
      expect(keysDir).toMatch(/^\//);
      expect(compose.volumes).toHaveProperty(mountsOf("order").get(keysDir)!);
      for (const name of receivers) {
        expect(environmentOf(name)["EVENT_KEYS_DIR"], name).toBe(keysDir);
        expect(mountsOf(name).get(keysDir), name).toBe(mountsOf("order").get(keysDir));
      }
      expect(environmentOf("gateway")["EVENT_KEYS_DIR"]).toBeUndefined();
      expect([...mountsOf("gateway").keys()]).toEqual([environmentOf("gateway")["DATA_DIR"]]);
    });

    it("gives the gateway a data volume of its own for the pages' session key, shared by its scaled containers", () => {
      const dataDir = environmentOf("gateway")["DATA_DIR"]!;
      const volume = mountsOf("gateway").get(dataDir)!;
      expect(compose.volumes).toHaveProperty(volume);
      const others = Object.entries(services).filter(
        ([name, service]) =>
          name !== "gateway" &&
          ((service["volumes"] ?? []) as string[]).some((v) => v.startsWith(`${volume}:`)),
      );
      expect(others.map(([name]) => name)).toEqual([]);
      // Unset, so the key is generated under DATA_DIR/keys, in that volume.
      expect(environmentOf("gateway")["WEB_SESSION_KEYS"]).toBeUndefined();
    });

    it("keeps each function's private keys in a data volume no other container mounts", () => {
      const owners = new Map<string, string[]>();
      for (const [name, service] of Object.entries(services))
        for (const volume of (service["volumes"] ?? []) as string[]) {
          const source = volume.split(":")[0]!;
          owners.set(source, [...(owners.get(source) ?? []), name]);
        }
      for (const name of receivers) {
        const dataDir = environmentOf(name)["DATA_DIR"]!;
        const volume = mountsOf(name).get(dataDir);
        expect(volume, `${name} has no volume at ${dataDir}`).toBeDefined();
        expect(owners.get(volume!), volume).toEqual([name]);
        // A mount inside /data would be made by root in the data volume and take it from uid 1000.
        expect(keysDir.startsWith(`${dataDir}/`)).toBe(false);
      }
    });

    it("mounts the shared volume on a folder the image gives to its user, so a fresh volume is writable", () => {
      expect(readFileSync(fromRoot("Dockerfile"), "utf8")).toMatch(
        new RegExp(`^COPY --from=build --chown=1000:1000 \\S+ ${keysDir}$`, "m"),
      );
    });
  });

  it("listens on every address in each container (HOST=0.0.0.0): the others connect from outside", () => {
    for (const name of [...functions, "broker"]) expect(environmentOf(name)["HOST"], name).toBe("0.0.0.0");
  });

  it("shares only env keys that some function reads", async () => {
    const read = new Set<string>();
    for (const name of functions) for (const key of keysOf(await configSchemaOf(name))) read.add(key);
    expect(sharedKeys.filter((key) => !read.has(key))).toEqual([]);
  });

  it("keeps no secret in the file: the admin password comes from the host or is generated", () => {
    expect(services["customer"]?.["environment"]).toMatchObject({ ADMIN_PASSWORD: null, ADMIN_EMAIL: null });
  });

  it("runs Prometheus, Grafana, Loki and Alloy with config files that exist", () => {
    for (const name of ["prometheus", "grafana", "loki", "alloy"]) {
      expect(services[name], name).toBeDefined();
      const mounts = ((services[name]?.["volumes"] ?? []) as string[]).filter((volume) =>
        volume.startsWith("./"),
      );
      for (const mount of mounts) expect(existsSync(fromRoot(mount.split(":")[0]!)), mount).toBe(true);
    }
  });

  it("has Prometheus scrape every function and the broker on their compose ports, the gateway on its private one", () => {
    const config = readYaml(fromRoot("observability/prometheus/prometheus.yml"));
    const targets = config.scrape_configs.flatMap((job: any) =>
      job.static_configs.flatMap((c: any) => c.targets),
    );
    // The gateway's own port is the public entry; GATEWAY_METRICS_PORT (9464 by default) is not published.
    const metricsPort = (name: string) =>
      name === "gateway" ? 9464 : devServicePorts[name as keyof typeof devServicePorts];
    for (const name of [...functions, "broker"]) expect(targets).toContain(`${name}:${metricsPort(name)}`);
    expect(JSON.stringify(services["gateway"]?.["ports"] ?? [])).not.toContain("9464");
  });

  it("provisions Grafana with the data sources its dashboards use", () => {
    const datasources = readYaml(fromRoot("observability/grafana/provisioning/datasources/datasources.yaml"));
    const uids = datasources.datasources.map((source: any) => source.uid);
    const folder = fromRoot("observability/grafana/dashboards");
    const dashboards = readdirSync(folder).filter((file) => file.endsWith(".json"));
    expect(dashboards.length).toBeGreaterThan(0);
    for (const file of dashboards) {
      const { panels } = JSON.parse(readFileSync(join(folder, file), "utf8")) as { panels: any[] };
      const used = panels
        .map((panel) => panel.datasource?.uid)
        .filter((uid) => uid && !String(uid).startsWith("$"));
      expect(
        used.filter((uid) => !uids.includes(uid)),
        file,
      ).toEqual([]);
    }
    const provider = readYaml(fromRoot("observability/grafana/provisioning/dashboards/dashboards.yaml"));
    const mounted = (services["grafana"]?.["volumes"] as string[]).map((volume) => volume.split(":")[1]);
    expect(mounted).toContain(provider.providers[0].options.path);
  });
});
