/**
 * Reads a .cpuprofile (from BENCH_PROFILE=<service> or node --cpu-prof) and prints where the time went:
 * functions by self time and by inclusive time, idle excluded, as a share of the busy samples.
 *   tsx scripts/bench/profile.ts /tmp/order-123.cpuprofile [rows]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const IDLE = new Set(["(idle)", "(program)"]);

const nameOf = ({ callFrame }: ProfileNode): string =>
  `${callFrame.functionName || "(anonymous)"} ${callFrame.url.split("/").slice(-2).join("/")}:${callFrame.lineNumber + 1}`;

export function summarise(profile: CpuProfile): {
  self: Map<string, number>;
  inclusive: Map<string, number>;
  busy: number;
} {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const micros = profile.timeDeltas[index] ?? 0;
    if (!node || IDLE.has(node.callFrame.functionName)) return;
    busy += micros;
    self.set(nameOf(node), (self.get(nameOf(node)) ?? 0) + micros);
    const seen = new Set<string>(); // recursion counts once
    for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
      const name = nameOf(byId.get(current) as ProfileNode);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
    }
  });
  return { self, inclusive, busy };
}

const [file, rows = "30"] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: tsx scripts/bench/profile.ts <file.cpuprofile> [rows]\n");
  process.exit(64);
}
const { self, inclusive, busy } = summarise(JSON.parse(readFileSync(file, "utf8")) as CpuProfile);
const top = (map: Map<string, number>): string =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(rows))
    .map(([name, micros]) => `${((100 * micros) / busy).toFixed(1).padStart(5)}%  ${name}`)
    .join("\n");
console.log(
  `${(busy / 1000).toFixed(0)} ms busy\n\nself time\n${top(self)}\n\ninclusive time\n${top(inclusive)}`,
);
