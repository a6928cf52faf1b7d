/**
 * The OpenTelemetry SDK, loaded only when tracing is configured (tracing.ts imports this file dynamically).
 * Under tsx it is this module; in the image scripts/build.ts bundles it on its own as dist/tracing-sdk.js,
 * which a function's bundle requires only then: with no OTEL_* set, not a byte of it is read at a start.
 */
import { randomUUID } from "node:crypto";
import type { ContextManager, TracerProvider as ApiTracerProvider } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
} from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import type { TracingSettings } from "../config/tracing";

/** The API comes with the SDK, its only copy in a process: a function's bundle holds none. */
export * as api from "@opentelemetry/api";

export interface RunningSdk {
  tracerProvider: ApiTracerProvider;
  contextManager: ContextManager;
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

function samplerOf(settings: TracingSettings): Sampler {
  const ratio = new TraceIdRatioBasedSampler(settings.samplerRatio);
  switch (settings.sampler) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return ratio;
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: ratio });
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

export function startSdk(settings: TracingSettings): RunningSdk {
  // Ours first; OTEL_RESOURCE_ATTRIBUTES (and OTEL_SERVICE_NAME, the same as ours) may add or override.
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: settings.serviceName,
    ...(settings.serviceVersion && { [ATTR_SERVICE_VERSION]: settings.serviceVersion }),
    "service.namespace": "bazaar",
    "service.instance.id": randomUUID(),
  }).merge(detectResources({ detectors: [envDetector] }));
  // The URL as our configuration resolved it; the exporters read _HEADERS, _TIMEOUT and _COMPRESSION.
  const target = { url: settings.tracesUrl };
  const exporter =
    settings.protocol === "http/json" ? new JsonExporter(target) : new ProtobufExporter(target);
  const tracerProvider = new TracerProvider({
    resource,
    sampler: samplerOf(settings),
    spanProcessors: [new BatchSpanProcessor({ exporter, ...settings.batch })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  return {
    tracerProvider,
    contextManager,
    shutdown: async () => {
      await tracerProvider.shutdown();
      contextManager.disable();
    },
  };
}
