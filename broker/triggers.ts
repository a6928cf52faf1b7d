import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import * as z from "zod";
import { functionNames, serviceUrl, type ServiceName } from "@bazaar/shared/config";
import { describeIssues } from "@bazaar/shared/errors";
import { parseDuration } from "./duration";

/** Where a Trigger sends events: a Knative Service, an optional path on it, and the URL both resolve to. */
export interface Destination {
  service: string;
  uri: string | undefined;
  url: string;
}

export type BackoffPolicy = "exponential" | "linear";

export interface Delivery {
  /** Retries after the first attempt. */
  retry: number;
  backoffPolicy: BackoffPolicy;
  backoffDelayMs: number;
  /** Per-request timeout from the Trigger's delivery.timeout; undefined: the broker's default. */
  timeoutMs: number | undefined;
  deadLetterSink: Destination;
}

/** One Trigger manifest, checked and resolved: what the broker routes by. */
export interface Trigger {
  name: string;
  /** Attributes an event must carry with exactly these values; empty: every event. */
  filter: Readonly<Record<string, string>>;
  subscriber: Destination;
  delivery: Delivery;
  /** Concurrent deliveries from this Trigger's queue; 1 keeps FIFO order. */
  parallelism: number;
}

export const PARALLELISM_ANNOTATION = "rabbitmq.eventing.knative.dev/parallelism";

/** A Trigger folder that cannot be routed by: the message names every problem, file by file. */
export class TriggerError extends Error {}

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `${text} is not an ISO-8601 duration such as PT0.2S` });
    return z.NEVER;
  }
  return ms;
});

const destination = z.strictObject({
  ref: z.strictObject({
    apiVersion: z.literal("serving.knative.dev/v1"),
    kind: z.literal("Service"),
    name: z.string().min(1),
    namespace: z.string().optional(),
  }),
  uri: z.string().startsWith("/", "must be a path on the Service, like /events").optional(),
});

// Defaults are eventing-rabbitmq's for a delivery spec that leaves a field out.
const delivery = z.strictObject(
  {
    retry: z.number().int().min(0).default(5),
    backoffPolicy: z.enum(["exponential", "linear"]).default("exponential"),
    backoffDelay: duration.default(50), // ms: BACKOFF_DELAY 50 ms
    timeout: duration.optional(),
    deadLetterSink: destination.optional(),
  },
  {
    error: (issue) =>
      issue.input === undefined
        ? "every Trigger needs a delivery spec: without one eventing-rabbitmq tries once and drops failures"
        : undefined,
  },
);

const manifestSchema = z.object({
  apiVersion: z.literal("eventing.knative.dev/v1"),
  kind: z.literal("Trigger"),
  metadata: z.object({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS label"),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z
    .strictObject({
      broker: z.string().min(1),
      filter: z
        .strictObject({
          attributes: z
            .record(
              z.string().regex(/^[a-z0-9]+$/, "must be a CloudEvent attribute name"),
              // An empty value means "any" on some brokers but "equals empty" on RabbitMQ: refuse it.
              z.string().min(1),
            )
            .optional(),
        })
        .optional(),
      filters: z.unknown().optional(),
      subscriber: destination,
      delivery,
    })
    .superRefine((spec, ctx) => {
      if (spec.filters !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["filters"],
          message:
            "the RabbitMQ broker ignores spec.filters and would route everything; use filter.attributes",
        });
      }
      if (!spec.delivery.deadLetterSink) {
        ctx.addIssue({
          code: "custom",
          path: ["delivery", "deadLetterSink"],
          message:
            "a Trigger-level delivery needs its own deadLetterSink: eventing-rabbitmq does not fall back to the Broker's and drops failed events",
        });
      }
    }),
});
type Manifest = z.infer<typeof manifestSchema>;

const parallelismSchema = z.coerce.number().int().min(1).max(1000).default(1);

export interface LoadOptions {
  /** The config that holds every <NAME>_URL (serviceUrlsSchema); unset names fall back to the dev ports. */
  urls: Record<string, unknown>;
  /** The Broker these Triggers must name (Bazaar has one). */
  broker?: string;
  /** Replaces every Trigger's backoffDelay (tests use a small one). */
  backoffDelayMs?: number | undefined;
}

/** Reads every Trigger in the folder's *.yaml files (other kinds, e.g. a Kustomization, are skipped). */
export function loadTriggers(dir: string, options: LoadOptions): Trigger[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => /\.ya?ml$/.test(file));
  } catch (error) {
    throw new TriggerError(`cannot read the Trigger folder ${dir}: ${(error as Error).message}`);
  }
  const problems: string[] = [];
  const triggers: Trigger[] = [];
  for (const file of files.sort()) {
    for (const result of parseTriggers(readFileSync(join(dir, file), "utf8"), options)) {
      if (typeof result === "string") problems.push(`${file}: ${result}`);
      else triggers.push(result);
    }
  }
  const seen = new Set<string>();
  for (const { name } of triggers) {
    if (seen.has(name)) problems.push(`Trigger ${name} is defined twice`);
    seen.add(name);
  }
  if (problems.length > 0) throw new TriggerError(`invalid Triggers in ${dir}: ${problems.join("; ")}`);
  if (triggers.length === 0) throw new TriggerError(`no Trigger found in ${dir}`);
  return triggers;
}

/** The Triggers of one YAML text, or one message per problem. */
export function parseTriggers(text: string, options: LoadOptions): (Trigger | string)[] {
  const results: (Trigger | string)[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) {
      results.push(...document.errors.map((error) => error.message));
      continue;
    }
    const value: unknown = document.toJS();
    if (typeof value !== "object" || value === null || (value as { kind?: unknown }).kind !== "Trigger") {
      continue;
    }
    const parsed = manifestSchema.safeParse(value);
    if (!parsed.success) {
      const name = (value as { metadata?: { name?: unknown } }).metadata?.name;
      results.push(`Trigger ${String(name ?? "(unnamed)")}: ${describeIssues(parsed.error)}`);
      continue;
    }
    try {
      results.push(resolve(parsed.data, options));
    } catch (error) {
      results.push(`Trigger ${parsed.data.metadata.name}: ${(error as Error).message}`);
    }
  }
  return results;
}

function resolve(manifest: Manifest, options: LoadOptions): Trigger {
  const { metadata, spec } = manifest;
  const broker = options.broker ?? "default";
  if (spec.broker !== broker) throw new Error(`names broker ${spec.broker}; this broker is ${broker}`);
  const parallelism = parallelismSchema.safeParse(metadata.annotations?.[PARALLELISM_ANNOTATION]);
  if (!parallelism.success) throw new Error(`${PARALLELISM_ANNOTATION} must be an integer from 1 to 1000`);
  const sink = spec.delivery.deadLetterSink as NonNullable<typeof spec.delivery.deadLetterSink>;
  return {
    name: metadata.name,
    filter: spec.filter?.attributes ?? {},
    subscriber: resolveDestination(spec.subscriber, options.urls),
    delivery: {
      retry: spec.delivery.retry,
      backoffPolicy: spec.delivery.backoffPolicy,
      backoffDelayMs: options.backoffDelayMs ?? spec.delivery.backoffDelay,
      timeoutMs: spec.delivery.timeout,
      deadLetterSink: resolveDestination(sink, options.urls),
    },
    parallelism: parallelism.data,
  };
}

const isFunctionName = (name: string): name is ServiceName => (functionNames as string[]).includes(name);

/** A Service ref becomes its <NAME>_URL; the uri resolves against it as Knative does (an absolute path replaces). */
function resolveDestination(
  target: { ref: { name: string }; uri?: string | undefined },
  urls: Record<string, unknown>,
): Destination {
  const service = target.ref.name;
  if (!isFunctionName(service)) {
    throw new Error(`${service} is not a Bazaar function (known: ${functionNames.join(", ")})`);
  }
  return { service, uri: target.uri, url: new URL(target.uri ?? "/", serviceUrl(urls, service)).toString() };
}
