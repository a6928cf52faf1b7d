/** knative/ rendered once per test file, with lookups the checks share. */
import { renderKustomization, type Rendered } from "./kustomize";
import { fromRoot, type Manifest } from "./repo";

export const IMAGE = "dev.local/bazaar/functions:dev";
export const NAMESPACE = "bazaar";

export interface Deployment {
  all: Rendered[];
  manifests: Manifest[];
  ofKind(kind: string): Manifest[];
  one(kind: string, name: string): Manifest;
  /** The Knative Services by name. */
  services: Map<string, Manifest>;
}

export function renderDeployment(): Deployment {
  const all = renderKustomization(fromRoot("knative"));
  const manifests = all.map((entry) => entry.manifest);
  const ofKind = (kind: string): Manifest[] => manifests.filter((manifest) => manifest.kind === kind);
  const one = (kind: string, name: string): Manifest => {
    const found = ofKind(kind).find((manifest) => manifest.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in knative/`);
    return found;
  };
  const services = new Map(
    manifests
      .filter((manifest) => manifest.apiVersion === "serving.knative.dev/v1" && manifest.kind === "Service")
      .map((manifest) => [manifest.metadata.name as string, manifest]),
  );
  return { all, manifests, ofKind, one, services };
}

/** The one container of a Knative Service. */
export const containerOf = (service: Manifest): Record<string, any> =>
  service.spec.template.spec.containers[0];

export interface EnvEntry {
  name: string;
  value?: string;
  secret?: { name: string; key: string };
}

export const envOf = (container: Record<string, any>): EnvEntry[] =>
  ((container["env"] ?? []) as Record<string, any>[]).map((entry) => ({
    name: entry["name"] as string,
    ...(entry["value"] !== undefined && { value: String(entry["value"]) }),
    ...(entry["valueFrom"]?.secretKeyRef && { secret: entry["valueFrom"].secretKeyRef }),
  }));

/** The port of a libSQL URL such as http://sqld.bazaar.svc.cluster.local:8083. */
export const portOf = (url: string): number => Number(new URL(url).port);
