import { Invalid } from "../errors";
import { eventCatalog, isEventType, type BazaarEvent, type EventType } from "./catalog";
import type { outbox } from "./tables";
import type { WireEvent } from "./wire";

/** An outbox row as the relay reads it. */
export type OutboxRow = typeof outbox.$inferSelect;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The CloudEvent an outbox row stands for, before its producer signs it. */
export function toWireEvent(
  row: Pick<
    OutboxRow,
    "id" | "type" | "source" | "subject" | "time" | "data" | "traceparent" | "correlationId"
  >,
): WireEvent {
  const attributes: Record<string, string> = {
    specversion: "1.0",
    id: row.id,
    type: row.type,
    source: row.source,
    time: row.time,
    datacontenttype: "application/json",
  };
  if (row.subject) attributes["subject"] = row.subject;
  if (row.traceparent) attributes["traceparent"] = row.traceparent;
  if (row.correlationId) attributes["correlationid"] = row.correlationId;
  return { attributes, data: encoder.encode(row.data) };
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
