import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";

/** External load tools the benchmarks drive, and how to get them on Debian or Ubuntu. */
const TOOLS = { wrk: "wrk", hyperfine: "hyperfine" } as const;

const onPath = (command: string): boolean => {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

/** Stops with one clear line naming what is missing, instead of failing halfway through a run. */
export function requireTools(): void {
  const missing = Object.keys(TOOLS).filter((tool) => !onPath(tool));
  if (missing.length === 0) return;
  const packages = missing.map((tool) => TOOLS[tool as keyof typeof TOOLS]).join(" ");
  process.stderr.write(
    `benchmarks need ${missing.join(" and ")} on PATH: apt-get update && apt-get install -y ${packages}\n`,
  );
  process.exit(69); // EX_UNAVAILABLE
}

export interface Machine {
  date: string;
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  wrk: string;
  hyperfine: string;
}

const versionOf = (command: string, args: string[]): string => {
  try {
    const output = execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return output.split("\n")[0]?.trim() ?? "unknown";
  } catch (error) {
    // wrk prints its version with its usage and exits 1.
    const output = String((error as { stdout?: unknown }).stdout ?? "");
    return output.split("\n")[0]?.trim() ?? "unknown";
  }
};

/** What the figures were measured on: absolute numbers mean little without it. */
export function describeMachine(): Machine {
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    wrk: versionOf("wrk", ["--version"]).replace(/ \[.*$/, ""),
    hyperfine: versionOf("hyperfine", ["--version"]),
  };
}
