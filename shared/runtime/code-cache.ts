/**
 * How a production bundle starts: dist/<name>/index.js is this file, built by scripts/build.ts, and runs the
 * function's code (bundle.js beside it) with V8's compiled code from an earlier run — the technique of
 * v8-compile-cache. Without it a start spends a third of its CPU parsing and compiling the bundle again.
 * Node 22's own module.enableCompileCache() was measured in its place and starts slower: its cache of the
 * order bundle held 0.5 MB against this loader's 0.9 MB, so more of each start compiles again (CPU to the
 * first 200, 11 starts each, interleaved, 2026-12-04: order 135 and 125 ms with this loader against 153 and
 * 144, gateway 122 and 141 against 159 and 167).
 *
 * bundle.js is the body of an async function (see build.ts), so that top-level await still works. The
 * cache file's name carries a hash of the bundle, taken at build time: a rebuilt bundle never meets an old
 * cache. V8 itself rejects a cache made by another Node version or with other V8 flags; then, as when there
 * is none, the code compiles as usual and the cache is written once the top level has run (the server
 * listens), with what the start compiled. Where the folder is read-only (a container), nothing is written; the image's build
 * starts every function once to leave the cache there (scripts/docker/warm.ts).
 */
import { accessSync, constants as fs, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { constants as vm, Script } from "node:vm";

export const BUNDLE = "bundle.js";
export const cacheFileOf = (bundleHash: string): string => `bundle.${bundleHash}.cache`;

/** The bundle's parameters: what a CommonJS module gets, plus the URL that stands for import.meta.url. */
export const BUNDLE_PARAMETERS = ["require", "__filename", "__dirname", "__bundleUrl"] as const;
type Evaluate = (require: NodeJS.Require, filename: string, dirname: string, url: string) => Promise<void>;

const readIfPresent = (file: string): Buffer | undefined => {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
};

function writeCache(script: Script, file: string): void {
  const partial = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(partial, script.createCachedData());
    renameSync(partial, file); // a concurrent start reads the old file or the whole new one
  } catch {
    rmSync(partial, { force: true }); // a cache is an optimisation: never fail an exit for it
  }
}

const isWritable = (folder: string): boolean => {
  try {
    accessSync(folder, fs.W_OK);
    return true;
  } catch {
    return false;
  }
};

/** Compiles and runs <folder>/bundle.js; resolves when its top level has run (the server listens). */
export function runBundle(folder: string, bundleHash: string): Promise<void> {
  const file = join(folder, BUNDLE);
  const cacheFile = join(folder, cacheFileOf(bundleHash));
  const cachedData = readIfPresent(cacheFile);
  // build.ts writes ASCII only: read as one-byte text, which skips UTF-8 decoding (half the time).
  const script = new Script(readFileSync(file, "latin1"), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const evaluate = script.runInThisContext() as Evaluate;
  const started = evaluate(createRequire(file), file, folder, pathToFileURL(file).href);
  // Written as soon as the top level has run, so the cache holds what a start compiles and no more: one
  // written at the exit of a busy process also held every handler it had compiled, and V8 then spent some
  // 50 ms more of each later start on reading it (the order function's start: 120 -> 170 ms of CPU).
  if ((!cachedData || script.cachedDataRejected) && isWritable(folder)) {
    void started.then(
      () => writeCache(script, cacheFile),
      () => undefined,
    );
  }
  return started;
}
