import * as z from "zod";

/** compose writes an unset variable as `NAME=`: empty counts as unset, as OpenTelemetry's SDKs read it. */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const positiveInt = z.coerce.number().int().positive();

/**
 * The standard OpenTelemetry variables for traces that Bazaar reads itself (the SDK reads the exporter's
 * OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _COMPRESSION and OTEL_RESOURCE_ATTRIBUTES on its own). None set: no
 * SDK is loaded (see shared/observability/tracing.ts).
 */
export const tracingConfigSchema = z.object({
  OTEL_SDK_DISABLED: unsetIfEmpty(z.enum(["true", "false"])),
  /** `otlp` (the default once an endpoint is set) or `none`. */
  OTEL_TRACES_EXPORTER: unsetIfEmpty(z.enum(["otlp", "none"])),
  /** Base URL of an OTLP/HTTP receiver, e.g. http://otel-collector:4318 (traces go to /v1/traces there). */
  OTEL_EXPORTER_OTLP_ENDPOINT: unsetIfEmpty(z.url()),
  /** The full traces URL, e.g. http://otel-collector:4318/v1/traces; wins over the one above. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: unsetIfEmpty(z.url()),
  OTEL_EXPORTER_OTLP_PROTOCOL: unsetIfEmpty(
    z.enum(
      ["http/protobuf", "http/json"],
      "must be http/protobuf or http/json (OTLP over gRPC is not built in)",
    ),
  ),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: unsetIfEmpty(
    z.enum(
      ["http/protobuf", "http/json"],
      "must be http/protobuf or http/json (OTLP over gRPC is not built in)",
    ),
  ),
  /** service.name of every span; default the function's K_SERVICE. */
  OTEL_SERVICE_NAME: unsetIfEmpty(z.string().min(1)),
  OTEL_TRACES_SAMPLER: unsetIfEmpty(
    z.enum([
      "always_on",
      "always_off",
      "traceidratio",
      "parentbased_always_on",
      "parentbased_always_off",
      "parentbased_traceidratio",
    ]),
  ),
  /** The ratio of the *traceidratio samplers, 0 to 1 (default 1). */
  OTEL_TRACES_SAMPLER_ARG: unsetIfEmpty(z.coerce.number().min(0).max(1)),
  OTEL_BSP_SCHEDULE_DELAY: unsetIfEmpty(positiveInt),
  OTEL_BSP_EXPORT_TIMEOUT: unsetIfEmpty(positiveInt),
  OTEL_BSP_MAX_QUEUE_SIZE: unsetIfEmpty(positiveInt),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: unsetIfEmpty(positiveInt),
});
export type TracingConfig = z.infer<typeof tracingConfigSchema>;

export type TracesProtocol = "http/protobuf" | "http/json";
export type SamplerName = NonNullable<TracingConfig["OTEL_TRACES_SAMPLER"]>;

/** What the tracing SDK is started with; `undefined` when tracing is off. */
export interface TracingSettings {
  serviceName: string;
  /** Knative's K_REVISION: which build of the function made a span. */
  serviceVersion: string | undefined;
  /** Where spans are posted, as the exporter resolves it from the variables (for the start-up line). */
  tracesUrl: string;
  protocol: TracesProtocol;
  sampler: SamplerName;
  samplerRatio: number;
  batch: {
    scheduledDelayMillis?: number;
    exportTimeoutMillis?: number;
    maxQueueSize?: number;
    maxExportBatchSize?: number;
  };
}

/**
 * Tracing is on when an OTLP endpoint is named (or OTEL_TRACES_EXPORTER=otlp asks for the default one,
 * http://localhost:4318) and neither OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none turns it off.
 */
export function tracingSettingsOf(
  config: TracingConfig & { K_SERVICE: string; K_REVISION?: string | undefined },
): TracingSettings | undefined {
  if (config.OTEL_SDK_DISABLED === "true" || config.OTEL_TRACES_EXPORTER === "none") return undefined;
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl =
    config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined);
  if (!tracesUrl && config.OTEL_TRACES_EXPORTER !== "otlp") return undefined;
  const batch: TracingSettings["batch"] = {};
  if (config.OTEL_BSP_SCHEDULE_DELAY) batch.scheduledDelayMillis = config.OTEL_BSP_SCHEDULE_DELAY;
  if (config.OTEL_BSP_EXPORT_TIMEOUT) batch.exportTimeoutMillis = config.OTEL_BSP_EXPORT_TIMEOUT;
  if (config.OTEL_BSP_MAX_QUEUE_SIZE) batch.maxQueueSize = config.OTEL_BSP_MAX_QUEUE_SIZE;
  if (config.OTEL_BSP_MAX_EXPORT_BATCH_SIZE) batch.maxExportBatchSize = config.OTEL_BSP_MAX_EXPORT_BATCH_SIZE;
  return {
    serviceName: config.OTEL_SERVICE_NAME ?? config.K_SERVICE,
    serviceVersion: config.K_REVISION,
    tracesUrl: tracesUrl ?? "http://localhost:4318/v1/traces",
    // The specification's default; the Collector takes both on port 4318.
    protocol:
      config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? config.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf",
    sampler: config.OTEL_TRACES_SAMPLER ?? "parentbased_always_on",
    samplerRatio: config.OTEL_TRACES_SAMPLER_ARG ?? 1,
    batch,
  };
}
