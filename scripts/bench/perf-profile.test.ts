import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chargeOf,
  inclusiveShare,
  parsePerfScript,
  SourceLocator,
  summariseProfile,
  type Sample,
} from "./perf-profile";

const NODE = "/usr/bin/node";

/** perf script's text for one sample: "pid/tid", then "address symbol (dso)" per frame, innermost first. */
const sampleText = (pid: number, tid: number, frames: [symbol: string, dso: string][]): string =>
  [`${pid}/${tid} `, ...frames.map(([symbol, dso]) => `\t    7f00deadbeef ${symbol} (${dso})`)].join("\n");

describe("perf profile", () => {
  let dir: string;
  let bundle: string;
  /** "line:column" (1-based, as --perf-basic-prof writes them) where a function of the bundle starts. */
  let positionOf: (name: string) => string;

  beforeAll(async () => {
    // A package and a file of Bazaar's, bundled and minified with a source map as scripts/build.ts does.
    dir = mkdtempSync(join(tmpdir(), "perf-profile-"));
    mkdirSync(join(dir, "node_modules/fakepkg"), { recursive: true });
    mkdirSync(join(dir, "shared/events"), { recursive: true });
    writeFileSync(
      join(dir, "node_modules/fakepkg/index.js"),
      "export function packaged(n) { return n * 2; }\n",
    );
    writeFileSync(
      join(dir, "shared/events/entry.js"),
      'import { packaged } from "fakepkg";\nexport function ours(n) {\n  return packaged(n) + 1;\n}\n',
    );
    bundle = join(dir, "dist/bundle.js");
    await build({
      entryPoints: [join(dir, "shared/events/entry.js")],
      outfile: bundle,
      bundle: true,
      format: "esm",
      sourcemap: "linked",
      absWorkingDir: dir,
      logLevel: "silent",
    });
    const code = readFileSync(bundle, "utf8");
    positionOf = (name) => {
      const offset = code.indexOf(`function ${name}(`);
      const before = code.slice(0, offset).split("\n");
      return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
    };
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads perf script's samples with their threads and frames, innermost first", () => {
    const text = [
      sampleText(10, 10, [
        ["JS:*ours /x/bundle.js:1:2", "/tmp/perf-10.map"],
        ["Builtins_JSEntry", NODE],
      ]),
      sampleText(10, 12, [["v8::internal::Heap::Scavenge", NODE]]),
    ].join("\n\n");
    expect(parsePerfScript(`${text}\n`)).toEqual([
      {
        pid: 10,
        tid: 10,
        frames: [
          { symbol: "JS:*ours /x/bundle.js:1:2", dso: "/tmp/perf-10.map" },
          { symbol: "Builtins_JSEntry", dso: NODE },
        ],
      },
      { pid: 10, tid: 12, frames: [{ symbol: "v8::internal::Heap::Scavenge", dso: NODE }] },
    ]);
  });

  it("charges a bundle's frame to its package or Bazaar folder through the source map", () => {
    const locator = new SourceLocator();
    const inPackage = chargeOf(
      {
        pid: 1,
        tid: 1,
        frames: [{ symbol: `JS:*packaged ${bundle}:${positionOf("packaged")}`, dso: "map" }],
      },
      locator,
    );
    expect(inPackage).toEqual({ component: "fakepkg", where: "node_modules/fakepkg/index.js:1" });
    const inOurs = chargeOf(
      { pid: 1, tid: 1, frames: [{ symbol: `JS:^ours ${bundle}:${positionOf("ours")}`, dso: "map" }] },
      locator,
    );
    expect(inOurs).toEqual({ component: "Bazaar shared/events", where: "shared/events/entry.js:2" });
  });

  it("charges native code on the CPU to what it is, else to the nearest JavaScript frame", () => {
    const locator = new SourceLocator();
    const charge = (tid: number, ...frames: [string, string][]): string =>
      chargeOf({ pid: 1, tid, frames: frames.map(([symbol, dso]) => ({ symbol, dso })) }, locator).component;
    const httpFrame: [string, string] = ["JS:~onStreamRead node:internal/stream_base_commons:166:22", "map"];
    expect(charge(1, ["tcp_sendmsg", "[kernel.kallsyms]"], httpFrame)).toBe("the kernel");
    expect(charge(1, ["[unknown]", "/app/node_modules/@libsql/linux-x64-gnu/index.node"], httpFrame)).toBe(
      "libSQL (native)",
    );
    expect(charge(1, ["fe_mul", NODE], httpFrame)).toBe("OpenSSL (Ed25519, SHA-2)");
    expect(charge(1, ["v8::internal::MarkCompactCollector::CollectGarbage", NODE], httpFrame)).toBe(
      "V8 compiling and collecting garbage",
    );
    expect(charge(2, ["Builtins_JSEntry", NODE])).toBe("V8 compiling and collecting garbage");
    expect(charge(1, ["Builtins_CallFunction", NODE], httpFrame)).toBe("Node's HTTP, sockets and streams");
    expect(charge(1, ["JS:*nextTick node:internal/process/task_queues:1:1", "map"])).toBe(
      "Node's other JavaScript",
    );
    expect(charge(1, ["malloc", "/usr/lib/x86_64-linux-gnu/libc.so.6"])).toBe(
      "native code without JavaScript (libc.so.6)",
    );
  });

  it("sums each component's samples into shares of the whole, largest first", () => {
    const kernel: Sample = { pid: 1, tid: 1, frames: [{ symbol: "schedule", dso: "[kernel.kallsyms]" }] };
    const openssl: Sample = { pid: 1, tid: 1, frames: [{ symbol: "fe_sq", dso: NODE }] };
    const summary = summariseProfile([kernel, kernel, kernel, openssl]);
    expect(summary.samples).toBe(4);
    expect(summary.components).toEqual([
      { name: "the kernel", share: 0.75 },
      { name: "OpenSSL (Ed25519, SHA-2)", share: 0.25 },
    ]);
    expect(summary.hottest[0]).toEqual({ name: "the kernel: schedule", share: 0.75 });
  });

  it("counts a sample in some code when any frame of its stack is that code, its callees included", () => {
    const sample = (...frames: [string, string][]): Sample => ({
      pid: 1,
      tid: 1,
      frames: frames.map(([symbol, dso]) => ({ symbol, dso })),
    });
    const ours: [string, string] = [`JS:*ours ${bundle}:${positionOf("ours")}`, "map"];
    const packaged: [string, string] = [`JS:*packaged ${bundle}:${positionOf("packaged")}`, "map"];
    const samples = [
      sample(["fe_mul", NODE], ours), // native code called from ours
      sample(packaged, ours), // a package called from ours
      sample(["ossl_ed25519_verify", NODE], ["JS:*inliner node:internal/crypto/sig:1:1", "map"]), // caller inlined
      sample(packaged), // neither
    ];
    const entry = { source: /^shared\/events\/entry\.js:/, native: /^ossl_ed25519/ };
    expect(inclusiveShare(samples, entry)).toBe(0.75);
    expect(inclusiveShare(samples, { source: /^node_modules\/fakepkg\//, native: /^$/ })).toBe(0.5);
    expect(inclusiveShare([], entry)).toBe(0);
  });
});
