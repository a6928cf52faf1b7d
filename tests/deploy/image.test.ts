import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runtimePackages, runtimeRoots } from "../../scripts/docker/runtime-deps";
import { BUNDLE } from "../../shared/runtime/code-cache";
import { startOtlpReceiver } from "../../shared/testing/otlp";
import { freePort } from "../support/ports";
import { fromRoot, functionNames, rootDir } from "./support/repo";

/**
 * The Dockerfile, read and then exercised as far as a machine without a Docker engine allows: its build
 * steps (bundles, runtime node_modules, the warm start of every function) run here on the same scripts.
 */
interface Instruction {
  keyword: string;
  args: string;
  /** The stage it belongs to (its AS name). */
  stage: string;
}

function parseDockerfile(text: string): Instruction[] {
  const lines = text.replace(/\\\n\s*/g, " ").split("\n");
  const instructions: Instruction[] = [];
  let stage = "";
  for (const line of lines.map((l) => l.trim()).filter((l) => l && !l.startsWith("#"))) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    if (keyword.toUpperCase() === "FROM") stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? "";
    instructions.push({ keyword: keyword.toUpperCase(), args, stage });
  }
  return instructions;
}

const dockerfile = parseDockerfile(readFileSync(fromRoot("Dockerfile"), "utf8"));
const inStage = (stage: string, keyword: string): Instruction[] =>
  dockerfile.filter((instruction) => instruction.stage === stage && instruction.keyword === keyword);
const runtime = dockerfile.at(-1)!.stage;

/** .dockerignore's patterns as Docker reads them (a pattern that matches a folder excludes its contents). */
const ignored = readFileSync(fromRoot(".dockerignore"), "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"))
  .map(
    (pattern) =>
      new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*\*\//g, "(.*/)?")
          .replace(/\*/g, "[^/]*")}(/.*)?$`,
      ),
  );
const isIgnored = (path: string): boolean => ignored.some((pattern) => pattern.test(path));

/** Sources of COPY instructions that come from the build context (not --from another stage). */
const contextSources = dockerfile
  .filter((instruction) => instruction.keyword === "COPY" && !instruction.args.includes("--from"))
  .flatMap((instruction) =>
    instruction.args
      .split(/\s+/)
      .filter((arg) => !arg.startsWith("--"))
      .slice(0, -1),
  );

describe("the Dockerfile", () => {
  it("builds in a stage of its own and runs from a second stage on the same Node image", () => {
    const froms = dockerfile.filter((instruction) => instruction.keyword === "FROM").map((i) => i.args);
    expect(froms).toEqual(["${NODE_IMAGE} AS build", "${NODE_IMAGE} AS runtime"]);
    expect(dockerfile[0]).toMatchObject({ keyword: "ARG" });
    expect(dockerfile[0]!.args).toMatch(/^NODE_IMAGE=node:22-[\w-]+-slim$/);
  });

  it("installs exactly the lockfile, after copying every workspace's package.json", () => {
    const installs = dockerfile.filter((i) => i.keyword === "RUN" && /\bnpm (ci|install|i)\b/.test(i.args));
    expect(installs.map((i) => i.stage)).toEqual(["build"]);
    expect(installs[0]!.args).toMatch(/npm ci\b/);
    const manifests = [
      "package.json",
      "package-lock.json",
      "shared/package.json",
      "broker/package.json",
      ...functionNames().map((n) => `functions/${n}/package.json`),
    ];
    const copiedBefore = contextSources.slice(0, manifests.length + 1);
    for (const manifest of manifests) expect(copiedBefore.join(" "), manifest).toContain(manifest);
  });

  it("copies only paths that exist and that .dockerignore lets through", () => {
    expect(contextSources.length).toBeGreaterThan(5);
    for (const source of contextSources) {
      expect(existsSync(fromRoot(source)), source).toBe(true);
      expect(isIgnored(source), `${source} is excluded by .dockerignore`).toBe(false);
    }
    for (const needed of [
      "functions/order/src/db/migrations/meta/_journal.json",
      "knative/triggers/kustomization.yaml",
    ])
      expect(isIgnored(needed), needed).toBe(false);
    for (const excluded of ["node_modules/hono/package.json", "dist/order/index.js", "tests/saga.test.ts"])
      expect(isIgnored(excluded), excluded).toBe(true);
  });

  it("builds with the same scripts the tests below run", () => {
    const build = inStage("build", "RUN")
      .map((i) => i.args)
      .join("\n");
    expect(build).toContain("npm run build");
    expect(build).toContain("scripts/docker/runtime-deps.ts /out");
    expect(build).toContain("scripts/docker/warm.ts");
    expect(
      inStage(runtime, "RUN")
        .map((i) => i.args)
        .join("\n"),
    ).toMatch(/node \/tmp\/warm\.mjs \/app/);
  });

  it("ships bundles, the runtime node_modules and the Trigger manifests, and no npm", () => {
    const copies = inStage(runtime, "COPY").map((i) => i.args);
    expect(copies).toContain("--from=build /src/dist dist");
    expect(copies).toContain("--from=build /out/node_modules node_modules");
    expect(copies).toContain("knative/triggers knative/triggers");
    expect(
      inStage(runtime, "RUN")
        .map((i) => i.args)
        .join("\n"),
    ).toContain("/usr/local/lib/node_modules/npm");
  });

  it("runs as a numeric non-root user (so Kubernetes can enforce runAsNonRoot), with node as entrypoint", () => {
    const user = inStage(runtime, "USER").at(-1)?.args ?? "";
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(inStage(runtime, "ENTRYPOINT")[0]?.args).toBe('["node"]');
    expect(
      inStage(runtime, "ENV")
        .map((i) => i.args)
        .join(" "),
    ).toMatch(/NODE_COMPILE_CACHE=\/app\//);
  });
});

describe("the image's build steps, run here", () => {
  let app: string;

  beforeAll(() => {
    // The build stage's `npm run build`, then the runtime stage's file layout in a temporary folder.
    execFileSync(process.execPath, ["--import", "tsx", "scripts/build.ts"], { cwd: rootDir, stdio: "pipe" });
    app = mkdtempSync(join(tmpdir(), "bazaar-image-"));
    cpSync(fromRoot("dist"), join(app, "dist"), {
      recursive: true,
      filter: (source) => !source.endsWith(".map"),
    });
    execFileSync(process.execPath, ["--import", "tsx", "scripts/docker/runtime-deps.ts", app], {
      cwd: rootDir,
      stdio: "pipe",
    });
    cpSync(fromRoot("knative/triggers"), join(app, "knative/triggers"), { recursive: true });
  }, 180_000);
  afterAll(() => app && rmSync(app, { recursive: true, force: true }));

  it("bundles every function and the dev broker, each with its migrations when it has a database", () => {
    for (const name of [...functionNames(), "broker"]) {
      expect(existsSync(join(app, "dist", name, "index.js")), name).toBe(true);
      if (existsSync(fromRoot("functions", name, "src/db")))
        expect(existsSync(join(app, "dist", name, "migrations/meta/_journal.json")), name).toBe(true);
    }
  });

  it("leaves WebSocket code out of every bundle, since no function opens a WebSocket", () => {
    // By the files each bundle was made of (its source map), and by a string of the `ws` library's own.
    const webSocketCode = /node_modules\/(ws|@libsql\/isomorphic-ws)\/|hrana-client\/lib-esm\/ws\//;
    for (const name of [...functionNames(), "broker"]) {
      const map = JSON.parse(readFileSync(fromRoot("dist", name, `${BUNDLE}.map`), "utf8")) as {
        sources: string[];
      };
      expect(map.sources.length, name).toBeGreaterThan(100);
      expect(
        map.sources.filter((source) => webSocketCode.test(source)),
        name,
      ).toEqual([]);
      expect(readFileSync(fromRoot("dist", name, BUNDLE), "utf8"), name).not.toContain("permessage-deflate");
    }
  });

  it("keeps as node_modules only what the bundles load at run time", () => {
    const shipped = (name: string): boolean => existsSync(join(app, "node_modules", name, "package.json"));
    for (const needed of [...runtimeRoots, "libsql"]) expect(shipped(needed), needed).toBe(true);
    for (const inlined of [
      "hono",
      "zod",
      "drizzle-orm",
      "pino",
      "prom-client",
      "jose",
      "@bazaar/shared",
      "esbuild",
    ])
      expect(shipped(inlined), `${inlined} is bundled or dev-only, it must not ship`).toBe(false);
    expect(existsSync(join(app, "node_modules/@types"))).toBe(false);
    expect(
      runtimePackages()
        .map((found) => found.name)
        .sort(),
    ).toEqual(
      readdirSync(join(app, "node_modules"), { withFileTypes: true })
        .flatMap((entry) =>
          entry.name.startsWith("@")
            ? readdirSync(join(app, "node_modules", entry.name)).map((scoped) => `${entry.name}/${scoped}`)
            : [entry.name],
        )
        .sort(),
    );
  });

  it("keeps the tracing SDK out of every bundle, in dist/tracing-sdk.js, read only when OTEL_* asks for traces", async () => {
    const sdkPackages =
      /node_modules\/@opentelemetry\/(sdk-trace|exporter-|otlp-|resources|context-async-hooks)/;
    for (const name of [...functionNames(), "broker"]) {
      const map = JSON.parse(readFileSync(fromRoot("dist", name, `${BUNDLE}.map`), "utf8")) as {
        sources: string[];
      };
      expect(
        map.sources.filter((source) => sdkPackages.test(source)),
        name,
      ).toEqual([]);
    }
    expect(existsSync(join(app, "dist/tracing-sdk.js"))).toBe(true);

    // The order function from the image's files: Node's module log says whether it read the SDK's bundle.
    const receiver = await startOtlpReceiver();
    const start = async (env: Record<string, string>): Promise<string> => {
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), "bazaar-traced-"));
      const child = spawn(process.execPath, [join(app, "dist/order/index.js")], {
        cwd: app,
        env: {
          ...process.env,
          NODE_PATH: "",
          NODE_DEBUG: "module",
          PORT: String(port),
          K_SERVICE: "order",
          DATA_DIR: dataDir,
          OUTBOX_INTERVAL_MS: "0",
          ORDER_SWEEP_INTERVAL_MS: "0",
          ...env,
        },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      try {
        for (let i = 0; i < 300; i++) {
          const answer = await fetch(`http://127.0.0.1:${port}/api/orders`).catch(() => undefined);
          if (answer) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM"); // the SDK exports what it still holds as the function drains
        await exited;
        rmSync(dataDir, { recursive: true, force: true });
      }
      return stderr;
    };
    try {
      expect(await start({})).not.toContain("tracing-sdk");
      const traced = await start({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        K_REVISION: "order-00042",
      });
      expect(traced).toContain("tracing-sdk.js");
      expect(receiver.spans.find((span) => span.name === "GET /api/orders")).toMatchObject({
        service: "order",
        resource: { "service.version": "order-00042" },
        attributes: { "http.response.status_code": 401 },
      });
    } finally {
      await receiver.close();
    }
  }, 60_000);

  it("starts every function from those files alone and stops it cleanly (the warm step)", () => {
    const cache = join(app, ".cache/node-compile");
    const output = execFileSync(
      process.execPath,
      ["--import", "tsx", fromRoot("scripts/docker/warm.ts"), app],
      {
        cwd: rootDir,
        encoding: "utf8",
        env: { ...process.env, NODE_COMPILE_CACHE: cache, NODE_PATH: "" },
        timeout: 120_000,
      },
    );
    for (const name of [...functionNames(), "broker"])
      expect(output).toContain(`started and stopped ${name} in`);
    expect(output).toContain(`code cache: written for all ${functionNames().length + 1} bundles`);
    expect(output).toContain("compiled dist/tracing-sdk.js (the OpenTelemetry SDK, read when tracing is on)");
    expect(output).toContain("compiled dist/gateway/redis-client.js (the gateway's Redis client,");
    const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
    if (major > 22 || (major === 22 && minor >= 1)) expect(output).toMatch(/compile cache: \d+ files/);
    else expect(output).toContain("compile cache: not available");
  }, 150_000);
});
