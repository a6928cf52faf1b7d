/**
 * The image's last build step: starts every bundle under <app>/dist once, waits until it answers /readyz,
 * and stops it with SIGTERM as Knative would. That proves each function starts with nothing but the image's
 * node_modules, and leaves V8's compiled code of every bundle beside it (dist/<name>/bundle.<hash>.cache, see
 * shared/runtime/code-cache.ts), so a cold start in the cluster skips most of the compiling. Where Node has a
 * module compile cache (22.1+, NODE_COMPILE_CACHE set), it also keeps the rest there (the loaders, libSQL's
 * JavaScript).
 *
 *   node warm.mjs <app>     (the Dockerfile runs an esbuild bundle of this file; tests run it with tsx)
 *
 * Each start gets a throwaway data folder and cheap settings (no timers, a fast password hash); nothing it
 * writes outside the cache folder is kept.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import module from "node:module";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { bundlesApart, type BundleApart } from "../bundles-apart";

export interface WarmResult {
  name: string;
  ms: number;
}

/** The functions (and the dev broker) in an image: dist/<name>/index.js. */
export const bundlesIn = (app: string): string[] =>
  readdirSync(join(app, "dist"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(app, "dist", entry.name, "index.js")))
    .map((entry) => entry.name)
    .sort();

/** Node 22.1+ has a compile cache; 22.0 ignores NODE_COMPILE_CACHE. */
export const hasCompileCache = (): boolean => "enableCompileCache" in module;

/** The cache is written when a process exits; flush explicitly too, in case exit comes before it would. */
const flushOnExit = `data:text/javascript,${encodeURIComponent(
  'import m from "node:module"; process.on("exit", () => m.flushCompileCache?.());',
)}`;

const freePort = (): Promise<number> =>
  new Promise((done, failed) => {
    const server = createServer();
    server.once("error", failed);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? done(address.port) : failed(new Error("no port")),
      );
    });
  });

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((done) => child.once("exit", done));

async function untilReady(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`exited with ${child.exitCode} before it was ready:\n${output()}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  throw new Error(`not ready within ${timeoutMs} ms:\n${output()}`);
}

/** Starts one bundle, waits for /readyz, stops it, and checks that it drained and exited cleanly. */
export async function warm(app: string, name: string, timeoutMs = 30_000): Promise<WarmResult> {
  const started = Date.now();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `warm-${name}-`));
  const child = spawn(process.execPath, [`--import=${flushOnExit}`, join(app, "dist", name, "index.js")], {
    cwd: app,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: String(port),
      K_SERVICE: name,
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      // The admin is created in the throwaway database only; a random password keeps it out of the build log.
      ADMIN_PASSWORD: randomBytes(18).toString("base64url"),
      PASSWORD_SCRYPT_COST: "1024",
      OUTBOX_INTERVAL_MS: "0",
      ORDER_SWEEP_INTERVAL_MS: "0",
      PAYMENT_SETTLE_INTERVAL_MS: "0",
    },
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    await untilReady(`http://127.0.0.1:${port}/readyz`, child, () => output, timeoutMs);
    child.kill("SIGTERM");
    const code = await exited(child);
    if (code !== 0) throw new Error(`exited with ${code} after SIGTERM:\n${output}`);
    return { name, ms: Date.now() - started };
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`, { cause: error });
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Warms every bundle, one per CPU at a time (they share nothing but the cache folder). */
export async function warmAll(app: string, concurrency = availableParallelism()): Promise<WarmResult[]> {
  const waiting = bundlesIn(app);
  const results: WarmResult[] = [];
  const worker = async (): Promise<void> => {
    for (let name = waiting.shift(); name; name = waiting.shift()) results.push(await warm(app, name));
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return results.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The files bundled apart (scripts/bundles-apart.ts: the tracing SDK, the gateway's Redis client), which a
 * function reads only when its configuration asks: the warm starts above run without them, so each is
 * compiled here once, into Node's compile cache, for such a start to find (about 13 ms of CPU less per traced
 * start, 2026-12-02). Returns the ones found.
 */
export function warmBundlesApart(app: string): BundleApart[] {
  const found = bundlesApart.filter(({ file }) => existsSync(join(app, "dist", file)));
  for (const { file } of found)
    execFileSync(
      process.execPath,
      [`--import=${flushOnExit}`, "-e", `require(${JSON.stringify(join(app, "dist", file))})`],
      {
        stdio: "ignore",
      },
    );
  return found;
}

/** The bundles that have a code cache beside them now. */
export const bundlesWithCodeCache = (app: string): string[] =>
  bundlesIn(app).filter((name) =>
    readdirSync(join(app, "dist", name)).some((file) => /^bundle\.\w+\.cache$/.test(file)),
  );

const countFiles = (folder: string): number =>
  existsSync(folder)
    ? readdirSync(folder, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length
    : 0;

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const app = resolve(process.argv[2] ?? ".");
  const results = await warmAll(app);
  for (const { name, ms } of results) process.stdout.write(`started and stopped ${name} in ${ms} ms\n`);
  for (const { file, what } of warmBundlesApart(app))
    process.stdout.write(`compiled dist/${file} (${what})\n`);
  const cached = bundlesWithCodeCache(app);
  // Like the compile cache below, a missing code cache is a slower start, not a broken image.
  if (cached.length < results.length)
    process.stderr.write(`code cache: WARNING, written for ${cached.length} of ${results.length} bundles\n`);
  else process.stdout.write(`code cache: written for all ${cached.length} bundles\n`);
  const cache = process.env["NODE_COMPILE_CACHE"];
  if (!hasCompileCache() || !cache) {
    process.stdout.write(
      `compile cache: not available (Node ${process.version} or NODE_COMPILE_CACHE unset)\n`,
    );
  } else if (countFiles(cache) === 0) {
    // A missed optimisation, not a broken image: say so loudly and let the build go on.
    process.stderr.write(
      `compile cache: WARNING, nothing was written to ${cache}; cold starts will compile\n`,
    );
  } else {
    process.stdout.write(`compile cache: ${countFiles(cache)} files in ${cache}\n`);
  }
}
