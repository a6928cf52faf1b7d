import type { CallSpanSpec } from "../http/call-span";
import { linksToOtherTrace, SpanKind, type Attributes, type SpanSpec } from "../observability/tracing";

interface EventIdentity {
  id: string | undefined;
  type: string | undefined;
  source: string | undefined;
  subject?: string | null | undefined;
}

/** Semantic conventions for CloudEvents (cloudevents.*) and messaging, with the event type as destination. */
export function eventAttributes(event: EventIdentity, operation: "send" | "process"): Attributes {
  const attributes: Attributes = {
    "messaging.operation.type": operation,
    "messaging.operation.name": operation,
    "messaging.destination.name": event.type ?? "unknown",
    "messaging.message.id": event.id ?? "",
    "cloudevents.event_spec_version": "1.0",
    "cloudevents.event_id": event.id ?? "",
    "cloudevents.event_type": event.type ?? "",
    "cloudevents.event_source": event.source ?? "",
  };
  if (event.subject) attributes["cloudevents.event_subject"] = event.subject;
  return attributes;
}

/** The outbox relay's POST of one event to the broker: the producer's span, which the event carries on. */
export const publishSpanOf = (event: EventIdentity): CallSpanSpec => ({
  name: `send ${event.type ?? "event"}`,
  kind: SpanKind.PRODUCER,
  attributes: eventAttributes(event, "send"),
});

/** A consumer handling one event: a child of the request that delivered it (the broker's delivery span). */
export const processSpanOf = (event: EventIdentity & { traceparent?: string | undefined }): SpanSpec => {
  const links = linksToOtherTrace(event.traceparent);
  return {
    name: `process ${event.type ?? "event"}`,
    kind: SpanKind.CONSUMER,
    attributes: eventAttributes(event, "process"),
    ...(links && { links }),
  };
};
