/**
 * Where a group of processes spends its CPU, read from Linux perf (Debian's linux-perf). `perf record -e
 * cpu-clock` samples only time spent on a CPU: V8's own --cpu-prof charges the time a thread waited to the frame
 * it waited in, which put 11-21 % of a function in `writev` (BENCHMARKS.md). Node's --perf-basic-prof names the
 * JIT-compiled frames, and the bundles' source maps take them back to a package or a folder of Bazaar's.
 *
 * Each sample is charged once: to the kernel, libSQL's native code, OpenSSL or V8's collector and compilers
 * when one of them is the frame on the CPU, else to the nearest JavaScript frame under it (Node's own
 * JavaScript, a package, or a folder of Bazaar's), else to the native library it was in.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { SourceMap } from "node:module";

export interface Frame {
  symbol: string;
  /** The file the code is in: a binary, a shared library, a JIT map, or [kernel.kallsyms]. */
  dso: string;
}

export interface Sample {
  pid: number;
  tid: number;
  /** Innermost first. */
  frames: Frame[];
}

export interface Share {
  name: string;
  /** Of all samples, 0..1. */
  share: number;
}

export interface ProfileSummary {
  samples: number;
  /** Every component, largest first. */
  components: Share[];
  /** The source places (file:line of the nearest JavaScript frame, or a native symbol) that took the most. */
  hottest: Share[];
}

/** The fields recordWhile asks `perf script` for, in the order parsePerfScript reads them. */
const SCRIPT_FIELDS = "pid,tid,ip,sym,dso";

/**
 * Reads `perf script -F pid,tid,ip,sym,dso` output: a sample is a "pid/tid" line and then one line per
 * frame, "address symbol (dso)", innermost first; samples are separated by a blank line.
 */
export function parsePerfScript(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const [head, ...lines] = block.split("\n").filter((line) => line.trim() !== "");
    const ids = /^\s*(\d+)\/(\d+)/.exec(head ?? "");
    if (!ids) continue;
    const frames = lines.flatMap((line) => {
      const frame = /^\s*[0-9a-f]+ (.*) \((.*)\)$/.exec(line);
      return frame ? [{ symbol: frame[1] ?? "", dso: frame[2] ?? "" }] : [];
    });
    samples.push({ pid: Number(ids[1]), tid: Number(ids[2]), frames });
  }
  return samples;
}

/** Finds the original source of a position in a bundle through the .map beside it (read once per bundle). */
export class SourceLocator {
  private readonly maps = new Map<string, SourceMap | undefined>();

  locate(file: string, line: number, column: number): { source: string; line: number } | undefined {
    if (!this.maps.has(file)) this.maps.set(file, readSourceMap(`${file}.map`));
    const entry = this.maps.get(file)?.findEntry(line - 1, column - 1);
    if (!entry || !("originalSource" in entry)) return undefined;
    return { source: entry.originalSource, line: entry.originalLine + 1 };
  }
}

function readSourceMap(file: string): SourceMap | undefined {
  try {
    return new SourceMap(
      JSON.parse(readFileSync(file, "utf8")) as ConstructorParameters<typeof SourceMap>[0],
    );
  } catch {
    return undefined;
  }
}

/** OpenSSL's code inside the node binary: Ed25519's field arithmetic, SHA-2, the EVP layer. */
const OPENSSL =
  /^(fe_|fe51_|ge_|x25519|ED25519|ossl_|EVP_|evp_|sha\d+_block|SHA\d+|BN_|bn_|CRYPTO_|OPENSSL_)/;
/** V8 collecting garbage or compiling, when that is what runs (not JavaScript calling into the runtime). */
const V8_MACHINERY =
  /^(v8::internal::(Heap|Scavenger|MarkCompact|MinorMarkSweep|MarkingVisitor|Concurrent|Sweeper|Mark|Evacuat|Compiler|compiler::|maglev::|baseline::|Parser|Zone|TurboFan|OptimizingCompile|Pipeline))/;
/** The package a path under node_modules belongs to, scoped or not. */
const PACKAGE = /node_modules\/((?:@[^/]+\/)?[^/]+)/;
/** Node's modules for HTTP and what carries it. */
const NODE_HTTP =
  /^node:(_http_|http|https|net|stream|internal\/(http|streams|stream_base_commons|net|js_stream))/;

/**
 * The component of a JavaScript frame as --perf-basic-prof names it: "JS:<marker><name> <file>:<line>:<column>".
 * A bundle's frames go through its source map: node_modules/<package>/... is the package, drizzle-orm (whose
 * own source maps point at ../src beside the package root) shows as node_modules/src/..., and Bazaar's files
 * are named by their first two folders.
 */
function javaScriptComponent(
  symbol: string,
  locator: SourceLocator,
): { component: string; where: string } | undefined {
  const frame = /^(.+):(\d+):(\d+)$/.exec(symbol.slice(symbol.lastIndexOf(" ") + 1));
  if (!frame) return undefined;
  const [, file = "", line = "0", column = "0"] = frame;
  if (file.startsWith("node:")) {
    return {
      component: NODE_HTTP.test(file) ? "Node's HTTP, sockets and streams" : "Node's other JavaScript",
      where: file,
    };
  }
  const original = locator.locate(file, Number(line), Number(column));
  if (!original) {
    // A file outside the bundle, e.g. libSQL's loader, which is required at run time.
    return {
      component: PACKAGE.exec(file)?.[1] ?? file,
      where: `${file}:${line}`,
    };
  }
  const source = original.source.replace(/^(\.\.\/)+/, "");
  const where = `${source}:${original.line}`;
  const ownPackage = /^node_modules\/src\//.test(source)
    ? "drizzle-orm"
    : source.startsWith("node_modules/")
      ? PACKAGE.exec(source)?.[1]
      : undefined;
  if (ownPackage) return { component: ownPackage, where };
  const ours = /^((?:shared|functions)\/[^/]+|broker)\//.exec(source)?.[1];
  return { component: ours ? `Bazaar ${ours}` : source, where };
}

/** The one component a sample is charged to, and the place within it. */
export function chargeOf(sample: Sample, locator: SourceLocator): { component: string; where: string } {
  const leaf = sample.frames[0] ?? { symbol: "[unknown]", dso: "[unknown]" };
  if (leaf.dso.includes("kernel")) return { component: "the kernel", where: leaf.symbol };
  if (leaf.dso.includes("libsql")) return { component: "libSQL (native)", where: "libSQL" };
  if (OPENSSL.test(leaf.symbol)) return { component: "OpenSSL (Ed25519, SHA-2)", where: leaf.symbol };
  if (V8_MACHINERY.test(leaf.symbol) || sample.tid !== sample.pid) {
    // Threads other than the main one are V8's compiler and collector helpers, and libuv's pool.
    return { component: "V8 compiling and collecting garbage", where: leaf.symbol.replace(/\(.*$/, "") };
  }
  for (const frame of sample.frames) {
    const js = frame.symbol.startsWith("JS:") ? javaScriptComponent(frame.symbol, locator) : undefined;
    if (js) return js;
  }
  const library = leaf.dso.split("/").at(-1) ?? leaf.dso;
  return { component: `native code without JavaScript (${library})`, where: leaf.symbol };
}

/** Code to find in a sample's call stack: JavaScript by its original source file, native code by its symbol. */
export interface CodeOf {
  /** Matched against a JavaScript frame's "source:line" (a Bazaar path, node_modules/..., or node:...). */
  source: RegExp;
  /** Matched against a native frame's symbol. */
  native: RegExp;
}

/**
 * The share of samples spent in some code and everything it called: a sample counts when any frame of its
 * stack is that code. Native frames count too, because an optimised caller may have inlined the JavaScript
 * frame away while the native code it called is still on the stack.
 */
export function inclusiveShare(samples: Sample[], code: CodeOf, locator = new SourceLocator()): number {
  const inCode = (frame: Frame): boolean => {
    if (!frame.symbol.startsWith("JS:")) return code.native.test(frame.symbol);
    const js = javaScriptComponent(frame.symbol, locator);
    return js !== undefined && code.source.test(js.where);
  };
  const within = samples.filter((sample) => sample.frames.some(inCode)).length;
  return within / Math.max(1, samples.length);
}

export function summariseProfile(
  samples: Sample[],
  locator = new SourceLocator(),
  hottest = 12,
): ProfileSummary {
  const byComponent = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const sample of samples) {
    const { component, where } = chargeOf(sample, locator);
    byComponent.set(component, (byComponent.get(component) ?? 0) + 1);
    const place = `${component}: ${where}`;
    byPlace.set(place, (byPlace.get(place) ?? 0) + 1);
  }
  const shares = (counts: Map<string, number>): Share[] =>
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([name, count]) => ({ name, share: count / Math.max(1, samples.length) }));
  return {
    samples: samples.length,
    components: shares(byComponent),
    hottest: shares(byPlace).slice(0, hottest),
  };
}

/** Whether perf can sample here: installed, and allowed to (perf_event_paranoid, a container's seccomp). */
export function perfWorks(): boolean {
  return spawnSync("perf", ["stat", "-e", "cpu-clock", "-x,", "true"], { stdio: "ignore" }).status === 0;
}

/**
 * Samples the processes at 999 Hz (call stacks included) while `work` runs; resolves with their samples.
 * The processes must have been started with --perf-basic-prof for their JavaScript frames to have names.
 */
export async function recordWhile(
  pids: number[],
  dataFile: string,
  work: () => Promise<void>,
): Promise<Sample[]> {
  const recorder = spawn(
    "perf",
    ["record", "-e", "cpu-clock", "-F", "999", "-g", "-o", dataFile, "-p", pids.join(",")],
    { stdio: "ignore" },
  );
  try {
    await work();
  } finally {
    recorder.kill("SIGINT");
    await new Promise((exited) => recorder.once("exit", exited));
  }
  const script = spawnSync("perf", ["script", "-i", dataFile, "-F", SCRIPT_FIELDS], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  rmSync(dataFile, { force: true });
  for (const pid of pids) rmSync(`/tmp/perf-${pid}.map`, { force: true });
  if (script.status !== 0) throw new Error(`perf script failed: ${script.stderr}`);
  return parsePerfScript(script.stdout);
}
