import type { WireEvent } from "@bazaar/shared/events";

/** The broker holds any CloudEvent as it travels: attributes as strings, data as bytes. */
export type BrokerEvent = WireEvent;

/** The fields every broker log line about an event carries. */
export const logFieldsOf = (event: BrokerEvent): Record<string, string | undefined> => ({
  event_id: event.attributes["id"],
  event_type: event.attributes["type"],
  event_source: event.attributes["source"],
  order_id: event.attributes["subject"],
  correlation_id: event.attributes["correlationid"],
  // The producer's trace (the event's traceparent): a delivery's log line links to the order's trace.
  trace_id: event.attributes["traceparent"]?.split("-")[1],
});
