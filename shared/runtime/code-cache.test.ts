import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BUNDLE, BUNDLE_PARAMETERS, cacheFileOf } from "./code-cache";

const run = promisify(execFile);
const loader = join(import.meta.dirname, "code-cache.ts");

/** A bundle as build.ts writes one: the body of an async function, awaiting at the top level. */
const bundleOf = (body: string): string =>
  `(async function (${BUNDLE_PARAMETERS.join(", ")}) {"use strict";\n${body}\n})`;

const SAMPLE = bundleOf(`
  const { basename } = require("node:path");
  await new Promise((resolve) => setTimeout(resolve, 1));
  const square = (n) => n * n;
  process.stdout.write(JSON.stringify({ file: basename(__filename), url: __bundleUrl, squares: [1, 2, 3].map(square) }));
`);

/** Starts a process that runs the bundle through the loader, as dist/<name>/index.js does. */
const start = (folder: string, hash: string) =>
  run(process.execPath, [
    "--import",
    "tsx",
    "-e",
    `import { runBundle } from ${JSON.stringify(loader)}; await runBundle(${JSON.stringify(folder)}, ${JSON.stringify(hash)});`,
  ]);

describe("runBundle", () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), "bazaar-code-cache-"));
    writeFileSync(join(folder, BUNDLE), SAMPLE);
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it("runs the bundle with require, its file name and URL, and top-level await", async () => {
    const { stdout } = await start(folder, "h1");
    expect(JSON.parse(stdout)).toEqual({
      file: BUNDLE,
      url: `file://${join(folder, BUNDLE)}`,
      squares: [1, 4, 9],
    });
  });

  it("writes V8's cache once the first start's top level has run, and uses it, unchanged, afterwards", async () => {
    const cache = join(folder, cacheFileOf("h1"));
    await start(folder, "h1");
    expect(existsSync(cache)).toBe(true);
    const written = statSync(cache).mtimeMs;
    const { stdout } = await start(folder, "h1");
    expect(JSON.parse(stdout).squares).toEqual([1, 4, 9]);
    // Rewritten only when missing or rejected: an untouched file means V8 accepted it.
    expect(statSync(cache).mtimeMs).toBe(written);
  });

  it("never reads the cache of another bundle: a rebuilt bundle has another hash", async () => {
    await start(folder, "h1");
    writeFileSync(join(folder, BUNDLE), bundleOf(`process.stdout.write("rebuilt");`));
    const { stdout } = await start(folder, "h2");
    expect(stdout).toBe("rebuilt");
    expect(existsSync(join(folder, cacheFileOf("h2")))).toBe(true);
  });

  it("compiles as usual when V8 rejects the cache, and replaces it", async () => {
    const cache = join(folder, cacheFileOf("h1"));
    writeFileSync(cache, "not a code cache");
    const { stdout } = await start(folder, "h1");
    expect(JSON.parse(stdout).squares).toEqual([1, 4, 9]);
    expect(readFileSync(cache, "utf8")).not.toBe("not a code cache");
  });

  it("fails the start when the bundle's top level throws", async () => {
    writeFileSync(join(folder, BUNDLE), bundleOf(`await Promise.resolve(); throw new Error("no config");`));
    await expect(start(folder, "h1")).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("no config"),
    });
    // A start that failed leaves no cache to the next one.
    expect(existsSync(join(folder, cacheFileOf("h1")))).toBe(false);
  });
});
