import {
  endSpan,
  failSpan,
  SpanKind,
  startSpan,
  traceparentOf,
  tracingOn,
  type Span,
  type SpanSpec,
} from "../observability/tracing";

/** What an outbound call's span says beyond the HTTP basics: a messaging name and kind, more attributes. */
export type CallSpanSpec = Partial<SpanSpec>;

/**
 * The span of one outbound call, while tracing is on, and the headers to send with it. The caller's
 * `traceparent` header names the parent (a row's publisher, an event's producer, the request being
 * served), else the active span does; the call then sends its own span's. A producer's span is also the
 * context of the CloudEvent it sends (its `ce-traceparent`, the distributed-tracing extension, which the
 * signature leaves out for this), so that consumers find the producer whoever delivers the event.
 */
export function startCallSpan(
  url: string,
  method: string,
  headers: Record<string, string>,
  specOf?: () => CallSpanSpec,
): { span: Span; headers: Record<string, string> } | undefined {
  if (!tracingOn()) return undefined;
  const spec = specOf?.() ?? {};
  const target = new URL(url);
  const span = startSpan(
    {
      name: spec.name ?? method,
      kind: spec.kind ?? SpanKind.CLIENT,
      attributes: {
        "http.request.method": method,
        "server.address": target.hostname,
        "server.port": Number(target.port) || (target.protocol === "https:" ? 443 : 80),
        "url.full": target.href,
        ...spec.attributes,
      },
      ...(spec.links && { links: spec.links }),
    },
    headers["traceparent"],
  );
  if (!span) return undefined;
  const traceparent = traceparentOf(span);
  const sent: Record<string, string> = { ...headers, traceparent };
  if (spec.kind === SpanKind.PRODUCER && "ce-traceparent" in headers) sent["ce-traceparent"] = traceparent;
  return { span, headers: sent };
}

/** Ends a call's span with the status the peer answered (5xx: failed), or with the error that cut it short. */
export function endCallSpan(span: Span, outcome: { status: number } | { error: unknown }): void {
  if ("error" in outcome) return endSpan(span, outcome.error);
  span.setAttribute("http.response.status_code", outcome.status);
  if (outcome.status >= 500) failSpan(span, `answered ${outcome.status}`, String(outcome.status));
  span.end();
}
