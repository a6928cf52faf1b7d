/**
 * Maps a stack trace from a production bundle back to the source: bundles are minified (scripts/build.ts), so
 * their traces name places in dist/<name>/bundle.js. Paste the trace on standard input:
 *
 *   npm run build && npx tsx scripts/stack.ts < trace.txt
 *
 * Build from the same commit as the running image: esbuild's output, and so each position, depends only on it.
 */
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { join, relative, resolve } from "node:path";
import { BUNDLE } from "../shared/runtime/code-cache";
import { rootDir } from "./dev/services";

const maps = new Map<string, SourceMap>();
function mapOf(service: string): SourceMap {
  let map = maps.get(service);
  if (!map) {
    const file = join(rootDir, "dist", service, `${BUNDLE}.map`);
    map = new SourceMap(JSON.parse(readFileSync(file, "utf8")) as ConstructorParameters<typeof SourceMap>[0]);
    maps.set(service, map);
  }
  return map;
}

/** `.../dist/order/bundle.js:1:2345` → `functions/order/src/routes/orders.ts:101:7`. */
export function mapLine(line: string): string {
  return line.replace(
    /[^\s()]*dist\/([\w-]+)\/bundle\.js:(\d+):(\d+)/g,
    (place, service: string, row, column) => {
      const entry = mapOf(service).findEntry(Number(row) - 1, Number(column) - 1);
      if (!("originalSource" in entry)) return place;
      const source = relative(rootDir, resolve(rootDir, "dist", service, entry.originalSource));
      return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    },
  );
}

const input = readFileSync(0, "utf8");
process.stdout.write(input.split("\n").map(mapLine).join("\n"));
