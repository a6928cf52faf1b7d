/**
 * One bundle per function (plus the dev broker) under dist/<name>/, with the function's migrations copied
 * beside it: the image starts `node dist/<name>/index.js` with no TypeScript and no module resolution to walk,
 * which keeps cold starts short.
 *
 * index.js is the small loader of shared/runtime/code-cache.ts; the function's code is bundle.js, minified,
 * written as the body of an async function (top-level await keeps working) so that the loader can compile it
 * as a script with V8's code cache. Node's built-in modules and libSQL's native driver are the only things
 * it loads at run time, with require(); everything else is inlined, except WebSocket code no function runs.
 *
 * Code only some configurations run is bundled apart (scripts/bundles-apart.ts): the OpenTelemetry SDK in
 * dist/tracing-sdk.js, required only when OTEL_* turns tracing on, and the gateway's Redis client in
 * dist/gateway/redis-client.js, required only when rate limits are shared through Redis.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import { Script } from "node:vm";
import { build, type Plugin } from "esbuild";
import { BUNDLE, BUNDLE_PARAMETERS } from "../shared/runtime/code-cache";
import { bundlesApart, type BundleApart } from "./bundles-apart";
import { availableServices, entryOf, rootDir, type DevService } from "./dev/services";
import { runtimeRoots } from "./docker/runtime-deps";

const outRoot = join(rootDir, "dist");
const loaderSource = join(rootDir, "shared/runtime/code-cache.ts");

/**
 * Node's modules and the run-time packages are loaded with require() at run time: a require() call stays
 * one, an import becomes a small module that calls require() (a script has no import statements).
 */
const requireAtRunTime: Plugin = {
  name: "require-at-run-time",
  setup(builder) {
    const names = new Set([...builtinModules, ...runtimeRoots]);
    builder.onResolve({ filter: /^[^./]/ }, ({ path, kind }) => {
      if (!names.has(path.replace(/^node:/, ""))) return undefined;
      return kind === "require-call" ? { path, external: true } : { path, namespace: "run-time" };
    });
    builder.onLoad({ filter: /.*/, namespace: "run-time" }, ({ path }) => ({
      contents: `module.exports = require(${JSON.stringify(path)});`,
    }));
  },
};

/**
 * No function opens a WebSocket, yet @libsql/client's HTTP client imports @libsql/hrana-client, whose index
 * imports the `ws` library (through @libsql/isomorphic-ws) for the WebSocket client beside the HTTP one: 67 KB
 * of CommonJS in every bundle with a database, which tree shaking cannot drop. Here @libsql/isomorphic-ws
 * exports no WebSocket, as its own entry does where a platform has none: hrana's openWs() would then throw
 * its WebSocketUnsupportedError, and the HTTP client, the one we use, never calls it.
 */
const withoutWebSocket: Plugin = {
  name: "without-websocket",
  setup(builder) {
    builder.onResolve({ filter: /^@libsql\/isomorphic-ws$/ }, ({ path }) => ({
      path,
      namespace: "no-websocket",
    }));
    builder.onLoad({ filter: /.*/, namespace: "no-websocket" }, () => ({
      contents: "export const WebSocket = undefined;",
    }));
  },
};

/**
 * Each of bundlesApart's dynamic imports becomes a require() of its own file, relative to dist/<name>/ (where
 * the bundle's require resolves from), run only if the import is.
 */
const apartFromBundles: Plugin = {
  name: "apart-from-bundles",
  setup(builder) {
    for (const apart of bundlesApart) {
      const importer = join(rootDir, apart.importer);
      const filter = new RegExp(`^${apart.specifier.replace(/[.]/g, "\\.")}$`);
      builder.onResolve({ filter }, ({ importer: from }) =>
        from === importer ? { path: apart.file, namespace: "apart" } : undefined,
      );
    }
    builder.onLoad({ filter: /.*/, namespace: "apart" }, ({ path }) => ({
      contents: `module.exports = require(${JSON.stringify(`../${path}`)});`,
    }));
    builder.onResolve({ filter: /.*/, namespace: "apart" }, ({ path }) => ({ path, external: true }));
  },
};

/** dist/<file> of each of bundlesApart: minified CommonJS with everything it needs. */
async function bundleApart({ source, file }: BundleApart): Promise<void> {
  await build({
    entryPoints: [join(rootDir, source)],
    outfile: join(outRoot, file),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    sourcemap: "linked",
    logLevel: "warning",
  });
}

async function bundle(service: DevService, outdir: string): Promise<string> {
  const { outputFiles } = await build({
    entryPoints: [entryOf(service)],
    outfile: join(outdir, BUNDLE),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    // Less to read and parse at each start. Names are shortened too, so a stack trace from a bundle names
    // places in bundle.js: scripts/stack.ts maps them back through bundle.js.map. (esbuild's keepNames would
    // keep them, but defines a name on every closure as it is made: 1-4 % of the CPU of a request, measured.)
    minify: true,
    charset: "ascii", // the loader reads it as one-byte text
    sourcemap: "linked",
    plugins: [requireAtRunTime, withoutWebSocket, apartFromBundles],
    define: {
      "import.meta.url": "__bundleUrl",
      "import.meta.dirname": "__dirname",
      "import.meta.filename": "__filename",
    },
    banner: { js: `(async function (${BUNDLE_PARAMETERS.join(", ")}) {"use strict";` },
    footer: { js: "})" },
    write: false,
    logLevel: "warning",
  });
  mkdirSync(outdir, { recursive: true });
  for (const { path, contents } of outputFiles) writeFileSync(path, contents);
  const code = outputFiles.find((file) => file.path.endsWith(BUNDLE))?.text ?? "";
  // An import or export statement, or an import.meta left over, would only fail at start: fail here instead.
  new Script(code, { filename: join(outdir, BUNDLE) });
  // esbuild escapes other characters everywhere but in the licence comments it keeps.
  const nonAscii = /[^\0-\x7f]/.exec(code);
  if (nonAscii) throw new Error(`${service}: non-ASCII text at offset ${nonAscii.index} of ${BUNDLE}`);
  return createHash("sha256").update(code).digest("hex").slice(0, 16);
}

async function writeLoader(outdir: string, bundleHash: string): Promise<void> {
  await build({
    stdin: {
      contents: `import { runBundle } from ${JSON.stringify(loaderSource)};\nvoid runBundle(__dirname, ${JSON.stringify(bundleHash)});`,
      resolveDir: rootDir,
      loader: "ts",
    },
    outfile: join(outdir, "index.js"),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    logLevel: "warning",
  });
}

rmSync(outRoot, { recursive: true, force: true });
mkdirSync(outRoot);
// The repository's package.json says "module"; the loaders are CommonJS, which Node starts faster.
writeFileSync(join(outRoot, "package.json"), '{ "type": "commonjs" }\n');
for (const apart of bundlesApart) {
  await bundleApart(apart);
  console.log(`built dist/${apart.file}: ${apart.what}`);
}
for (const service of availableServices()) {
  const outdir = join(outRoot, service);
  await writeLoader(outdir, await bundle(service, outdir));
  // Beside the entry: functions/<name>/src/db/migrations, and the broker's broker/db/migrations.
  const migrations = join(dirname(entryOf(service)), "db/migrations");
  if (existsSync(migrations)) cpSync(migrations, join(outdir, "migrations"), { recursive: true });
  console.log(`built dist/${service}/index.js`);
}
