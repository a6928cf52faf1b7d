import { describeIssues, Invalid } from "../errors";
import { eventCatalog, isEventType, type BazaarEvent, type EventType } from "./catalog";
import type { WireEvent } from "./wire";

const decoder = new TextDecoder();

/**
 * A received CloudEvent read against the catalog: a known type with data of the right shape, as the typed
 * event handlers take it. An Invalid error names what is wrong (the receiver answers 5xx: dead-lettered).
 */
export function decodeEvent(event: WireEvent): BazaarEvent {
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
    const detail = describeIssues(result.error);
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
