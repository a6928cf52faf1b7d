import { CloudEvent, HTTP, type Message } from "cloudevents";
import { Invalid } from "../errors";
import { eventCatalog, isEventType, type BazaarEvent, type EventType } from "./catalog";

export interface OutgoingEvent {
  id: string;
  type: string;
  source: string;
  subject: string | null;
  time: string;
  data: unknown;
  traceparent: string | null;
  correlationid: string | null;
}

/** Binary content mode, as the Knative brokers deliver: attributes in ce-* headers, data as the body. */
export function toBinaryMessage(event: OutgoingEvent): { headers: Record<string, string>; body: string } {
  const cloudEvent = new CloudEvent({
    specversion: "1.0",
    id: event.id,
    type: event.type,
    source: event.source,
    time: event.time,
    datacontenttype: "application/json",
    data: event.data,
    ...(event.subject ? { subject: event.subject } : {}),
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    ...(event.correlationid ? { correlationid: event.correlationid } : {}),
  });
  const message: Message = HTTP.binary(cloudEvent);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) headers[name] = String(value);
  // Carry the trace on the HTTP hop too, where tracing-aware proxies look for it.
  if (event.traceparent) headers["traceparent"] = event.traceparent;
  return { headers, body: typeof message.body === "string" ? message.body : JSON.stringify(event.data) };
}

/** Reads a binary or structured CloudEvent; a malformed one is an Invalid error. */
export function parseCloudEvent(headers: Record<string, string>, body: string): CloudEvent<unknown> {
  let parsed: CloudEvent<unknown> | CloudEvent<unknown>[];
  try {
    parsed = HTTP.toEvent({ headers, body }) as CloudEvent<unknown> | CloudEvent<unknown>[];
  } catch (error) {
    throw new Invalid(`malformed CloudEvent: ${(error as Error).message}`);
  }
  if (Array.isArray(parsed)) throw new Invalid("batched CloudEvents are not accepted");
  return parsed;
}

/** Checks a received CloudEvent against the catalog. */
export function toBazaarEvent(event: CloudEvent<unknown>): BazaarEvent {
  if (!isEventType(event.type)) throw new Invalid(`unknown event type ${event.type}`);
  const type: EventType = event.type;
  const result = eventCatalog[type].safeParse(event.data);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Invalid(`invalid data for ${type}: ${detail}`);
  }
  const extension = (name: string): string | undefined => {
    const value = (event as unknown as Record<string, unknown>)[name];
    return typeof value === "string" ? value : undefined;
  };
  return {
    id: event.id,
    source: event.source,
    type,
    subject: event.subject,
    time: event.time,
    data: result.data,
    traceparent: extension("traceparent"),
    correlationid: extension("correlationid"),
  } as BazaarEvent;
}
