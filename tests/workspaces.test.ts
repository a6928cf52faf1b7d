import { readdirSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Each workspace's package.json lists the packages its source imports, and nothing it does not: a function
 * bundles what it declares, so an undeclared import only works while another workspace happens to hoist it.
 * (The lint's import-x/no-extraneous-dependencies checks the first half file by file; this checks both.) The
 * root's tests and scripts declare what they import too, at the workspaces' own versions.
 */
const rootDir = join(import.meta.dirname, "..");

interface Manifest {
  name?: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifestOf = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(rootDir, dir, "package.json"), "utf8")) as Manifest;

/** Declared though no source imports them, on purpose. */
const DECLARED_ON_PURPOSE: Record<string, string[]> = {
  // Kept beside the OpenTelemetry SDK packages, at the same pinned version, so they move together.
  shared: ["@opentelemetry/core"],
};

/** Tests, test support and build configuration: these may import devDependencies. */
const isDevFile = (file: string): boolean =>
  /\.test\.tsx?$|(^|\/)testing\.ts$|(^|\/)testing\/|(^|\/)drizzle\.config\.ts$/.test(file);

const workspaces = (manifestOf(".").workspaces ?? []).flatMap((pattern) =>
  pattern.endsWith("/*")
    ? readdirSync(join(rootDir, pattern.slice(0, -2)), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${pattern.slice(0, -2)}/${entry.name}`)
    : [pattern],
);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(rootDir, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => /\.tsx?$/.test(file) && !file.split("/").includes("node_modules"))
    .map((file) => join(dir, file));
}

const IMPORTS = [
  /(?:^|\n)\s*(?:import|export)\s[^;'"]*?\bfrom\s*["']([^"']+)["']/g,
  /(?:^|\n)\s*import\s*["']([^"']+)["']/g,
  /\bimport\(\s*["']([^"']+)["']\s*\)/g,
];

/** The packages a file imports: `@scope/name` or `name`, without Node's modules and relative paths. */
function packagesImportedBy(file: string): string[] {
  const source = readFileSync(join(rootDir, file), "utf8");
  const specifiers = IMPORTS.flatMap((pattern) =>
    [...source.matchAll(pattern)].map((match) => match[1] ?? ""),
  );
  return specifiers
    .filter((specifier) => !specifier.startsWith(".") && !isBuiltin(specifier))
    .map((specifier) =>
      specifier
        .split("/")
        .slice(0, specifier.startsWith("@") ? 2 : 1)
        .join("/"),
    );
}

describe.each(workspaces)("the workspace %s", (workspace) => {
  const manifest = manifestOf(workspace);
  const dependencies = Object.keys(manifest.dependencies ?? {});
  const devDependencies = Object.keys(manifest.devDependencies ?? {});
  const files = sourceFiles(workspace);
  const importers = (name: string, dev: boolean) =>
    files.filter((file) => isDevFile(file) === dev && packagesImportedBy(file).includes(name));
  const imported = (dev: boolean) =>
    new Set(files.filter((file) => isDevFile(file) === dev).flatMap(packagesImportedBy));

  it("declares in dependencies every package its shipped code imports", () => {
    const missing = [...imported(false)].filter((name) => !dependencies.includes(name));
    expect(missing.map((name) => `${name} (${importers(name, false).join(", ")})`)).toEqual([]);
  });

  it("declares every package its tests import, in dependencies or devDependencies", () => {
    const declared = [...dependencies, ...devDependencies];
    const missing = [...imported(true)].filter((name) => !declared.includes(name));
    expect(missing.map((name) => `${name} (${importers(name, true).join(", ")})`)).toEqual([]);
  });

  it("declares nothing it does not import, and keeps in devDependencies what only its tests use", () => {
    const everywhere = new Set([...imported(false), ...imported(true)]);
    const onPurpose = DECLARED_ON_PURPOSE[workspace] ?? [];
    expect(
      [...dependencies, ...devDependencies].filter(
        (name) => !everywhere.has(name) && !onPurpose.includes(name),
      ),
    ).toEqual([]);
    const shipped = imported(false);
    expect(dependencies.filter((name) => !shipped.has(name) && !onPurpose.includes(name))).toEqual([]);
  });
});

describe("the root", () => {
  const root = manifestOf(".");
  const declared = Object.keys(root.devDependencies ?? {});
  const workspaceNames = new Set(workspaces.map((workspace) => manifestOf(workspace).name));
  const files = [
    ...["tests", "scripts"].flatMap(sourceFiles),
    ...readdirSync(rootDir).filter((file) => /\.(ts|js)$/.test(file)),
  ];

  it("declares every package its tests, scripts and configuration import", () => {
    const missing = new Map<string, string[]>();
    for (const file of files) {
      for (const name of packagesImportedBy(file)) {
        if (declared.includes(name) || workspaceNames.has(name)) continue;
        missing.set(name, [...(missing.get(name) ?? []), file]);
      }
    }
    expect([...missing].map(([name, importers]) => `${name} (${importers.join(", ")})`)).toEqual([]);
  });

  it("asks for the same version as the workspaces that declare a package too, so npm installs one copy", () => {
    const differing = workspaces.flatMap((workspace) => {
      const manifest = manifestOf(workspace);
      const ranges = { ...manifest.devDependencies, ...manifest.dependencies };
      return Object.entries(root.devDependencies ?? {})
        .filter(([name, range]) => ranges[name] !== undefined && ranges[name] !== range)
        .map(([name, range]) => `${name}: root ${range}, ${workspace} ${ranges[name]}`);
    });
    expect(differing).toEqual([]);
  });
});
