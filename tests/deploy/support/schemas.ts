/**
 * Ajv validators over the vendored schemas in tests/schemas (see its NOTICE.md): the CRDs knative/ uses and
 * the Compose specification. Errors come back as one readable line each.
 */
import { readFileSync } from "node:fs";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { fromRoot, type Manifest } from "./repo";

/** apiVersion + kind -> vendored schema file (the catalog's {group}/{kind}_{version}.json layout). */
export const crdSchemas: Record<string, string> = {
  "serving.knative.dev/v1 Service": "serving.knative.dev/service_v1.json",
  "eventing.knative.dev/v1 Broker": "eventing.knative.dev/broker_v1.json",
  "eventing.knative.dev/v1 Trigger": "eventing.knative.dev/trigger_v1.json",
  "eventing.knative.dev/v1alpha1 RabbitmqBrokerConfig":
    "eventing.knative.dev/rabbitmqbrokerconfig_v1alpha1.json",
  "sources.knative.dev/v1 SinkBinding": "sources.knative.dev/sinkbinding_v1.json",
  "sources.knative.dev/v1 PingSource": "sources.knative.dev/pingsource_v1.json",
  "rabbitmq.com/v1beta1 RabbitmqCluster": "rabbitmq.com/rabbitmqcluster_v1beta1.json",
  // Core Kubernetes, not a CRD, but written by hand from its API types: policies deserve the schema check too.
  "networking.k8s.io/v1 NetworkPolicy": "networking.k8s.io/networkpolicy_v1.json",
};

/** Core Kubernetes kinds: no CRD schema, checked by the structural rules in the tests instead. */
export const coreKinds = new Set([
  "v1 Namespace",
  "v1 ConfigMap",
  "v1 Service",
  "v1 ServiceAccount",
  "apps/v1 Deployment",
  "apps/v1 StatefulSet",
  "rbac.authorization.k8s.io/v1 Role",
  "rbac.authorization.k8s.io/v1 RoleBinding",
]);

export const typeOf = (manifest: Manifest): string => `${manifest.apiVersion} ${manifest.kind}`;

function newAjv(): Ajv {
  // The CRD schemas carry x-kubernetes-* keywords and int32/int64 formats that Ajv does not know.
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const format of ["int32", "int64", "date-time"]) ajv.addFormat(format, true);
  return ajv;
}

const loadSchema = (file: string): object =>
  JSON.parse(readFileSync(fromRoot("tests/schemas", file), "utf8")) as object;

const describe = (errors: ErrorObject[] | null | undefined): string[] =>
  (errors ?? []).map((error) => {
    const extra =
      error.keyword === "additionalProperties" ? ` (${String(error.params["additionalProperty"])})` : "";
    return `${error.instancePath || "/"} ${error.message ?? error.keyword}${extra}`;
  });

const manifestValidators = new Map<string, ValidateFunction>();
const ajv = newAjv();

/** Schema errors of one manifest; throws for a kind that has no vendored schema. */
export function crdErrors(manifest: Manifest): string[] {
  const type = typeOf(manifest);
  const file = crdSchemas[type];
  if (!file) throw new Error(`no vendored schema for ${type}`);
  let validate = manifestValidators.get(type);
  if (!validate) {
    validate = ajv.compile(loadSchema(file));
    manifestValidators.set(type, validate);
  }
  return validate(manifest) ? [] : describe(validate.errors);
}

let composeValidator: ValidateFunction | undefined;

export function composeErrors(document: unknown): string[] {
  composeValidator ??= newAjv().compile(loadSchema("compose-spec/compose-spec.json"));
  return composeValidator(document) ? [] : describe(composeValidator.errors);
}
