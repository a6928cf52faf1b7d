/**
 * Renders a kustomization the way `kubectl kustomize` does for the features knative/ (and observability/, which
 * it includes) use: `resources` (files, and folders with their own kustomization.yaml), `configMapGenerator`
 * from files without a hash suffix, `namespace`, `labels` (metadata only) and JSON 6902 `patches` with an
 * `add` or `replace` op on a group/version/kind target. Anything else is refused, so a new feature cannot
 * slip past the checks unrendered. Where kubectl is installed the tests also compare with its rendering.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { readYamlDocuments, rootDir, type Manifest } from "./repo";

export interface Rendered {
  manifest: Manifest;
  /** The file it came from, relative to the repository. */
  file: string;
}

interface Kustomization {
  resources?: string[];
  patches?: { target?: Record<string, string>; patch?: string; path?: string }[];
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  generatorOptions?: { disableNameSuffixHash?: boolean };
  configMapGenerator?: { name: string; files?: string[]; [other: string]: unknown }[];
  [feature: string]: unknown;
}

const supported = new Set([
  "apiVersion",
  "kind",
  "resources",
  "patches",
  "namespace",
  "labels",
  "generatorOptions",
  "configMapGenerator",
]);
const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"]);

export function renderKustomization(folder: string): Rendered[] {
  const file = join(folder, "kustomization.yaml");
  if (!existsSync(file)) throw new Error(`${relative(rootDir, folder)} has no kustomization.yaml`);
  const kustomization = readYamlDocuments(file)[0] as Kustomization;
  const unsupported = Object.keys(kustomization).filter((key) => !supported.has(key));
  if (unsupported.length > 0)
    throw new Error(`${relative(rootDir, file)}: unsupported here: ${unsupported.join(", ")}`);

  const rendered: Rendered[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(folder, resource);
    if (!existsSync(path))
      throw new Error(`${relative(rootDir, file)} lists ${resource}, which does not exist`);
    if (statSync(path).isDirectory()) rendered.push(...renderKustomization(path));
    else
      rendered.push(
        ...readYamlDocuments(path).map((manifest) => ({
          manifest: manifest as Manifest,
          file: relative(rootDir, path),
        })),
      );
  }
  rendered.push(...generateConfigMaps(kustomization, folder, relative(rootDir, file)));
  for (const patch of kustomization.patches ?? []) applyPatch(rendered, patch, file);
  for (const { manifest } of rendered) {
    if (kustomization.namespace && !clusterScoped.has(manifest.kind))
      manifest.metadata.namespace = kustomization.namespace;
    for (const { pairs, includeSelectors, includeTemplates } of kustomization.labels ?? []) {
      if (includeSelectors || includeTemplates)
        throw new Error(`${relative(rootDir, file)}: labels only on metadata here`);
      manifest.metadata.labels = { ...manifest.metadata.labels, ...pairs };
    }
  }
  return rendered;
}

/** ConfigMaps from files: `key=path`, or `path` with its file name as the key. */
function generateConfigMaps(kustomization: Kustomization, folder: string, file: string): Rendered[] {
  const generators = kustomization.configMapGenerator ?? [];
  if (generators.length > 0 && !kustomization.generatorOptions?.disableNameSuffixHash)
    throw new Error(`${file}: name hash suffixes are not rendered here`);
  return generators.map(({ name, files = [], ...other }) => {
    const unsupported = Object.keys(other).filter((key) => key !== "options");
    if (unsupported.length > 0)
      throw new Error(`${file}: configMapGenerator ${name}: ${unsupported.join(", ")}`);
    const data = Object.fromEntries(
      files.map((entry) => {
        const [key, path] = entry.includes("=")
          ? (entry.split("=", 2) as [string, string])
          : [basename(entry), entry];
        return [key, readFileSync(join(folder, path), "utf8")];
      }),
    );
    return { manifest: { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data }, file };
  });
}

interface Operation {
  op: string;
  path: string;
  value?: unknown;
}

function applyPatch(
  rendered: Rendered[],
  patch: NonNullable<Kustomization["patches"]>[number],
  file: string,
): void {
  if (!patch.target || !patch.patch)
    throw new Error(`${relative(rootDir, file)}: only inline patches with a target`);
  const { group, version, kind, name } = patch.target;
  const operations = parse(patch.patch) as Operation[];
  if (!Array.isArray(operations))
    throw new Error(`${relative(rootDir, file)}: only JSON 6902 patches are rendered`);
  for (const { manifest } of rendered) {
    const [apiGroup, apiVersion] = manifest.apiVersion.includes("/")
      ? manifest.apiVersion.split("/")
      : ["", manifest.apiVersion];
    const matches =
      (group === undefined || group === apiGroup) &&
      (version === undefined || version === apiVersion) &&
      (kind === undefined || kind === manifest.kind) &&
      (name === undefined || name === manifest.metadata.name);
    if (matches) for (const operation of operations) applyOperation(manifest, operation);
  }
}

/** RFC 6901 pointer segments: ~1 is "/", ~0 is "~". */
const segmentsOf = (pointer: string): string[] =>
  pointer
    .split("/")
    .slice(1)
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"));

function applyOperation(target: Record<string, any>, { op, path, value }: Operation): void {
  if (op !== "add" && op !== "replace") throw new Error(`JSON 6902 op ${op} is not rendered here`);
  const segments = segmentsOf(path);
  const last = segments.pop();
  let parent: any = target;
  for (const segment of segments) {
    parent = parent?.[segment];
    if (parent === undefined)
      throw new Error(`${path}: ${segment} does not exist (kustomize fails the same way)`);
  }
  if (last === undefined) throw new Error(`${path}: empty path`);
  if (Array.isArray(parent)) {
    if (last === "-") parent.push(value);
    else parent.splice(Number(last), op === "add" ? 0 : 1, value);
  } else parent[last] = value;
}

/** kubectl's own rendering, or undefined when kubectl is not installed. */
export function kubectlKustomize(folder: string): Manifest[] | undefined {
  let output: string;
  try {
    output = execFileSync("kubectl", ["kustomize", folder], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(
      `kubectl kustomize ${folder} failed: ${String((error as { stderr?: string }).stderr ?? error)}`,
      {
        cause: error,
      },
    );
  }
  return parseAllDocuments(output).map((document) => document.toJS() as Manifest);
}

export const hasKubectl = (): boolean => {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
