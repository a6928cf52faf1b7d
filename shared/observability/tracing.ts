/**
 * OpenTelemetry traces: every span of Bazaar starts here, through the OpenTelemetry API. The API and the SDK
 * (tracing-sdk.ts, a bundle of its own in the image) are imported only when OTEL_* names an exporter; until
 * then no tracer exists, every helper returns at its first line, and the old path runs (nextTraceparent: a
 * new span id per hop, the same trace id). A function's bundle holds no OpenTelemetry code at all, so a start
 * without tracing reads and compiles exactly what it did before.
 *
 * Parents are explicit where work is not nested in the caller's: a request's span continues its
 * `traceparent` header, a publish continues the traceparent stored with its outbox row, a broker delivery
 * the event's. Within one piece of work the active context (AsyncLocalStorage, set up by the SDK) carries
 * the span, so a transaction inside a handler is a child of that handler's span.
 */
import type * as Api from "@opentelemetry/api";
import type { Attributes, Link, Span, SpanContext, Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { TracingSettings } from "../config/tracing";

export type { Attributes, Span };

/** The API's SpanKind values, here so that naming a kind loads nothing. */
export const SpanKind = {
  INTERNAL: 0,
  SERVER: 1,
  CLIENT: 2,
  PRODUCER: 3,
  CONSUMER: 4,
} as const satisfies Record<keyof typeof Api.SpanKind, Api.SpanKind>;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

/** The API's SpanStatusCode.ERROR. */
const STATUS_ERROR = 2;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Set once an SDK runs: the one test of "is tracing on" on every hot path. */
let otel: { api: typeof Api; tracer: Tracer } | undefined;

export const tracingOn = (): boolean => otel !== undefined;

export interface Tracing {
  /** Exports the spans still buffered; call it last on shutdown. */
  shutdown(): Promise<void>;
}

/**
 * Loads and starts the SDK when `settings` says where traces go (tracingSettingsOf); otherwise does nothing
 * and loads nothing, so a start without OTEL_* costs what it cost before tracing existed.
 */
export async function startTracing(settings: TracingSettings | undefined, logger: Logger): Promise<Tracing> {
  if (!settings) return { shutdown: async () => undefined };
  const { api, startSdk } = await import("./tracing-sdk");
  const sdk = startSdk(settings);
  api.context.setGlobalContextManager(sdk.contextManager);
  api.trace.setGlobalTracerProvider(sdk.tracerProvider);
  otel = { api, tracer: api.trace.getTracer("bazaar") };
  logger.info(
    {
      traces_url: settings.tracesUrl,
      protocol: settings.protocol,
      sampler: settings.sampler,
      ratio: settings.samplerRatio,
    },
    "tracing: spans go to OTLP",
  );
  return {
    shutdown: async () => {
      otel = undefined;
      await sdk
        .shutdown()
        .catch((error: unknown) => logger.warn({ err: error }, "tracing: last export failed"));
      api.trace.disable();
      api.context.disable();
    },
  };
}

/** The span context a W3C traceparent names (remote), or undefined when it is missing or malformed. */
export function spanContextOf(traceparent: string | undefined | null): SpanContext | undefined {
  const match = traceparent ? TRACEPARENT.exec(traceparent.trim().toLowerCase()) : null;
  if (!match) return undefined;
  const [, traceId = "", spanId = "", flags = "00"] = match;
  // All zeros is the W3C's invalid id, for either.
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true };
}

/** What a hop sends onwards so that the next one's span is a child of `span`. */
export function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

export const spanIdOf = (traceparent: string): string => traceparent.split("-")[2] ?? "";

export interface SpanSpec {
  name: string;
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
}

const spanOptionsOf = (spec: SpanSpec): Api.SpanOptions => ({
  ...(spec.kind !== undefined && { kind: spec.kind }),
  ...(spec.attributes && { attributes: spec.attributes }),
  ...(spec.links && { links: spec.links }),
});

/**
 * Starts a span (undefined while tracing is off) whose parent is the span `parent` names; without a valid
 * one, the active span (`orElse: "active"`) or none, a new trace (`"root"`, for a request from outside).
 */
export function startSpan(
  spec: SpanSpec,
  parent?: string | null,
  orElse: "active" | "root" = "active",
): Span | undefined {
  if (!otel) return undefined;
  const { api, tracer } = otel;
  const remote = spanContextOf(parent);
  const parentContext = remote
    ? api.trace.setSpanContext(api.ROOT_CONTEXT, remote)
    : orElse === "root"
      ? api.ROOT_CONTEXT
      : api.context.active();
  return tracer.startSpan(spec.name, spanOptionsOf(spec), parentContext);
}

/** Ends a span, as failed when `error` is given (semantic conventions: error.type and an exception event). */
export function endSpan(span: Span | undefined, error?: unknown): void {
  if (!span) return;
  if (error !== undefined) failSpan(span, error);
  span.end();
}

export function failSpan(span: Span, error: unknown, type?: string): void {
  const message = error instanceof Error ? error.message : String(error);
  span.setAttribute("error.type", type ?? (error instanceof Error ? error.name : "Error"));
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: STATUS_ERROR, message });
}

/** Runs `work` with `span` active, so that what it starts (a transaction, a call) is the span's child. */
export function withSpan<T>(span: Span | undefined, work: () => T): T {
  if (!span || !otel) return work();
  const { context, trace } = otel.api;
  return context.with(trace.setSpan(context.active(), span), work);
}

/**
 * Runs `work` in a span of its own, a child of the active span, ended when `work` settles. With
 * `withinTrace`, only inside a recorded span: background work (a relay's claim, a timer's sweep) makes no
 * trace of its own.
 */
export async function inSpan<T>(
  spec: SpanSpec,
  work: () => Promise<T>,
  options: { withinTrace?: boolean } = {},
): Promise<T> {
  if (!otel) return work();
  if (options.withinTrace && !otel.api.trace.getActiveSpan()?.isRecording()) return work();
  const span = otel.tracer.startSpan(spec.name, spanOptionsOf(spec));
  try {
    const result = await withSpan(span, work);
    span.end();
    return result;
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
}

/**
 * A link to the span `traceparent` names when it belongs to another trace than the active span's: an event
 * whose delivery did not carry its producer's context (a structured-mode POST) still points to it.
 */
export function linksToOtherTrace(traceparent: string | undefined): Link[] | undefined {
  const remote = spanContextOf(traceparent);
  if (!remote || !otel) return undefined;
  if (otel.api.trace.getActiveSpan()?.spanContext().traceId === remote.traceId) return undefined;
  return [{ context: remote }];
}

/** Runs `work` outside the caller's trace: work it merely set off (the relay after a commit) has its own. */
export const detached = <T>(work: () => T): T =>
  otel ? otel.api.context.with(otel.api.ROOT_CONTEXT, work) : work();
