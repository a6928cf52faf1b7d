import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { execIn, testServices } from "../support/environment/services";

/** Support for the observability suites: the files under observability/ and the Prometheus tools. */

export const rootDir = resolve(import.meta.dirname, "../..");
export const observability = (...parts: string[]): string => join(rootDir, "observability", ...parts);
export const readYaml = <T = any>(path: string): T => parse(readFileSync(path, "utf8")) as T;
export const listFiles = (dir: string, suffix: string): string[] =>
  readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => join(dir, name));
export const fromRoot = (path: string): string => relative(rootDir, path);

const execFileAsync = promisify(execFile);

/**
 * Runs promtool (or prometheus) from Debian's `prometheus` package, or in Prometheus's image when the global
 * setup started one for want of the package (tests/support/environment). A missing tool fails the suite
 * rather than skipping it.
 */
export async function runTool(
  tool: "promtool" | "prometheus",
  args: string[],
  cwd = rootDir,
): Promise<{ ok: boolean; output: string }> {
  const toolbox = testServices().prometheusToolbox;
  if (toolbox) {
    const { exitCode, stdout, stderr } = await execIn(toolbox, [tool, ...args], cwd);
    return { ok: exitCode === 0, output: `${stdout}${stderr}` };
  }
  try {
    const { stdout, stderr } = await execFileAsync(tool, args, { cwd, timeout: 60_000 });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (failure.code === "ENOENT") {
      throw new Error(`${tool} is not installed: apt-get install prometheus (Debian's package ships both)`, {
        cause: error,
      });
    }
    return { ok: false, output: `${failure.stdout ?? ""}${failure.stderr ?? ""}${failure.message}` };
  }
}

export interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}
export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export const ruleFiles = (): string[] => listFiles(observability("prometheus", "rules"), ".yml");
export const rules = (): Rule[] =>
  ruleFiles().flatMap((file) => readYaml<RuleFile>(file).groups.flatMap((group) => group.rules));

export interface Query {
  dashboard: string;
  panel: string;
  datasource: "prometheus" | "loki";
  expr: string;
}

interface Panel {
  title: string;
  type: string;
  datasource?: { uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}

export const dashboardFiles = (): string[] => listFiles(observability("grafana", "dashboards"), ".json");
export const readDashboard = (file: string): any => JSON.parse(readFileSync(file, "utf8"));

/** Every query of every panel of every dashboard (rows' nested panels included). */
export function dashboardQueries(): Query[] {
  return dashboardFiles().flatMap((file) => {
    const dashboard = readDashboard(file);
    const panels: Panel[] = (dashboard.panels as Panel[]).flatMap((p) => [p, ...(p.panels ?? [])]);
    return panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        dashboard: dashboard.title as string,
        panel: panel.title,
        datasource: (target.datasource?.uid ?? panel.datasource?.uid) as Query["datasource"],
        expr: target.expr,
      })),
    );
  });
}

/**
 * A dashboard query as Prometheus can run it: Grafana's variables replaced by what Grafana would put there
 * ($service by one function's name).
 */
export const runnable = (expr: string, service = "order"): string =>
  expr
    .replaceAll("$__rate_interval", "1m")
    .replaceAll("$__interval", "15s")
    .replaceAll("$__range", "1h")
    .replaceAll("$service", service);

const PROMQL_WORDS = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "offset",
  "bool",
  "inf",
  "nan",
]);

/**
 * The metric names a PromQL expression reads. A small scanner, not a parser: strings, label matchers,
 * ranges and grouping clauses are removed, and what is left that is not a function call or a keyword names
 * a metric.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (!name || call || PROMQL_WORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** Files of the code base's source, tests left out. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !path.includes("node_modules"));
}

/**
 * Metric names the code defines: the `name` of a prom-client metric (`name: "x"`, `const name = "x"`) and
 * the shared kit's `counter("x", ...)` shorthand.
 */
export function metricNamesInCode(): Set<string> {
  const names = new Set<string>();
  const files = ["shared", "broker", "functions"].flatMap((dir) => sourceFiles(join(rootDir, dir)));
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    if (!text.includes("prom-client") && !text.includes("createMetrics")) continue;
    for (const match of text.matchAll(/(?:\bname:\s*|\bname\s*=\s*|\bcounter\(\s*)"([a-zA-Z_:][\w:]*)"/g)) {
      names.add(match[1] as string);
    }
  }
  return names;
}
