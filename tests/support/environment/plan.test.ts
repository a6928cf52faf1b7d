import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { IMAGES } from "./images";
import { needsOf, type Need } from "./needs";
import { containersWanted, plan, type Situation } from "./plan";
import { onPath, portAnswers } from "./probes";

const situation = (overrides: Partial<Situation> = {}): Situation => ({
  needs: new Set<Need>(["rabbitmq", "prometheus", "redis", "shellcheck", "kubectl", "chromium"]),
  absent: new Map(),
  docker: false,
  preferContainers: false,
  ci: false,
  ...overrides,
});
const NO_RABBIT = new Map<Need, string>([["rabbitmq", "nothing answers on 127.0.0.1:5672"]]);

describe("which test files need what", () => {
  it("reads a file's needs from the helpers it imports and where it lives", () => {
    const file = (path: string, ...imports: string[]) => ({
      path,
      source: imports.map((module) => `import { x } from "${module}";`).join("\n"),
    });
    expect(needsOf([file("tests/gateway.test.ts", "./support/http")])).toEqual(new Set());
    expect(needsOf([file("tests/rabbitmq/saga.test.ts", "../support/rabbitmq")])).toEqual(
      new Set(["rabbitmq"]),
    );
    expect(needsOf([file("tests/web/shop.test.ts")])).toEqual(new Set(["chromium"]));
    expect(
      needsOf([
        { path: "functions/gateway/src/edge/store.test.ts", source: 'import { Redis } from "ioredis";' },
      ]),
    ).toEqual(new Set(["redis"]));
  });

  it("the real suites: the RabbitMQ ones need RabbitMQ, the promtool ones Prometheus's tools", () => {
    const real = (path: string) => ({
      path,
      source: readFileSync(resolve(import.meta.dirname, "../../..", path), "utf8"),
    });
    expect(needsOf([real("tests/rabbitmq/transport.test.ts")])).toEqual(new Set(["rabbitmq"]));
    expect(needsOf([real("tests/observability/promtool.test.ts")])).toEqual(new Set(["prometheus"]));
    expect(needsOf([real("tests/observability/prometheus.test.ts")])).toEqual(new Set(["prometheus"]));
    expect(needsOf([real("tests/deploy/scripts.test.ts")])).toEqual(new Set(["shellcheck"]));
    expect(needsOf([real("tests/deploy/manifests.test.ts")])).toEqual(new Set(["kubectl"]));
  });
});

describe("where the tests get what they need", () => {
  it("takes everything from this machine when it is there, and does not ask Docker", () => {
    expect(containersWanted(situation())).toEqual([]);
    const { sources, missing } = plan(situation());
    expect(missing).toEqual([]);
    expect([...sources.values()].every((source) => source === "local")).toBe(true);
  });

  it("starts RabbitMQ in a container when none answers and Docker does", () => {
    expect(containersWanted(situation({ absent: NO_RABBIT }))).toEqual(["rabbitmq"]);
    const { sources, missing } = plan(situation({ absent: NO_RABBIT, docker: true }));
    expect(missing).toEqual([]);
    expect(sources.get("rabbitmq")).toBe("container");
    expect(sources.get("prometheus")).toBe("local");
  });

  it("says in one line per missing piece how to get it when neither is possible", () => {
    const absent = new Map<Need, string>([
      ...NO_RABBIT,
      ["prometheus", "promtool and prometheus not on PATH"],
      ["kubectl", "kubectl not on PATH"],
    ]);
    expect(plan(situation({ absent })).missing).toEqual([
      "RabbitMQ: nothing answers on 127.0.0.1:5672 and no Docker engine is reachable — " +
        "install rabbitmq-server and start it (or set AMQP_URL), or start Docker",
      "Prometheus (promtool, prometheus): promtool and prometheus not on PATH and no Docker engine is reachable — " +
        "install prometheus (Debian's package ships promtool too), or start Docker",
      "kubectl: kubectl not on PATH — install kubectl (https://kubernetes.io/docs/tasks/tools/)",
    ]);
  });

  it("has no container for Redis, shellcheck, kubectl or Chromium: Docker or not, they are missing lines", () => {
    const absent = new Map<Need, string>([
      ["redis", "nothing answers on 127.0.0.1:6379"],
      ["shellcheck", "shellcheck not on PATH"],
      ["kubectl", "kubectl not on PATH"],
      ["chromium", "no Chromium"],
    ]);
    expect(containersWanted(situation({ absent }))).toEqual([]);
    const { missing } = plan(situation({ absent, docker: true }));
    expect(missing.map((line) => line.split(":")[0])).toEqual(["Redis", "shellcheck", "kubectl", "Chromium"]);
  });

  it("demands only what the selected files need", () => {
    const absent = new Map<Need, string>([...NO_RABBIT, ["kubectl", "kubectl not on PATH"]]);
    expect(plan(situation({ needs: new Set(["prometheus"]), absent }))).toEqual({
      sources: new Map([["prometheus", "local"]]),
      missing: [],
    });
  });

  it("BAZAAR_TEST_SERVICES=containers starts containers even where this machine has the service", () => {
    const preferred = situation({ preferContainers: true });
    expect(containersWanted(preferred)).toEqual(["rabbitmq", "prometheus"]);
    expect(plan({ ...preferred, docker: true }).sources.get("prometheus")).toBe("container");
    expect(plan(preferred).missing).toEqual([
      "RabbitMQ: BAZAAR_TEST_SERVICES=containers but no Docker engine is reachable — start Docker",
      "Prometheus (promtool, prometheus): BAZAAR_TEST_SERVICES=containers but no Docker engine is reachable — start Docker",
    ]);
  });

  it("under CI takes nothing from a container: a missing piece stops the run", () => {
    const ci = situation({ absent: NO_RABBIT, ci: true });
    expect(containersWanted(ci)).toEqual([]);
    expect(plan({ ...ci, docker: true }).missing).toEqual([
      "RabbitMQ: nothing answers on 127.0.0.1:5672 under CI — .ci/run installs it; see why it did not",
    ]);
  });
});

describe("the probes and the images", () => {
  it("a port answers while something listens on it, and not after", async () => {
    const server = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as { port: number };
    expect(await portAnswers("127.0.0.1", port)).toBe(true);
    await new Promise((resolve) => server.close(resolve));
    expect(await portAnswers("127.0.0.1", port)).toBe(false);
  });

  it("finds commands on PATH without running them", () => {
    expect(onPath("node")).toBe(true);
    expect(onPath("bazaar-no-such-command")).toBe(false);
  });

  it("starts the images the dev stack runs (so one pull serves both)", () => {
    const compose = parse(readFileSync(resolve(import.meta.dirname, "../../../compose.dev.yaml"), "utf8"), {
      merge: true,
    });
    expect(compose.services.rabbitmq.image).toBe(IMAGES.rabbitmq);
    expect(compose.services.prometheus.image).toBe(IMAGES.prometheus);
  });
});
