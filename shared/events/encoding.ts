import { Invalid } from "../errors";
import { eventCatalog, isEventType, type BazaarEvent, type EventType } from "./catalog";
import { toBinaryRequest, type WireEvent } from "./wire";

export interface OutgoingEvent {
  id: string;
  type: string;
  source: string;
  subject: string | null;
  time: string;
  /** The data as JSON text, as the outbox stores it; null for none. */
  data: string | null;
  traceparent: string | null;
  correlationid: string | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Binary content mode, as the Knative brokers deliver: attributes in ce-* headers, data as the body. */
export function toBinaryMessage(event: OutgoingEvent): { headers: Record<string, string>; body: Uint8Array } {
  const attributes: Record<string, string> = {
    specversion: "1.0",
    id: event.id,
    type: event.type,
    source: event.source,
    time: event.time,
    datacontenttype: "application/json",
  };
  if (event.subject) attributes["subject"] = event.subject;
  if (event.traceparent) attributes["traceparent"] = event.traceparent;
  if (event.correlationid) attributes["correlationid"] = event.correlationid;
  return toBinaryRequest({ attributes, data: encoder.encode(event.data ?? "") });
}

/** Checks a received CloudEvent against the catalog: a known type with data of the right shape. */
export function toBazaarEvent(event: WireEvent): BazaarEvent {
  const { attributes } = event;
  const type = attributes["type"] ?? "";
  if (!isEventType(type)) throw new Invalid(`unknown event type ${type}`);
  const known: EventType = type;
  let data: unknown;
  try {
    data = event.data.length > 0 ? JSON.parse(decoder.decode(event.data)) : undefined;
  } catch {
    throw new Invalid(`invalid data for ${known}: not JSON`);
  }
  const result = eventCatalog[known].safeParse(data);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Invalid(`invalid data for ${known}: ${detail}`);
  }
  return {
    id: attributes["id"],
    source: attributes["source"],
    type: known,
    subject: attributes["subject"],
    time: attributes["time"],
    data: result.data,
    traceparent: attributes["traceparent"],
    correlationid: attributes["correlationid"],
  } as BazaarEvent;
}
