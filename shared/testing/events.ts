import { randomUUID } from "node:crypto";

export interface EventOptions {
  /** The same id twice is a redelivery of one event; a fresh UUID by default. */
  id?: string;
  /** Who sent it; the order function (the saga's orchestrator, which sends most events) by default. */
  source?: string;
  /** The order id, else the customer id found in the data; none when the data has neither. */
  subject?: string;
  /** More CloudEvent attributes by name without the `ce-` prefix, e.g. { correlationid: "abc" }. */
  extensions?: Record<string, string>;
}

/**
 * A CloudEvent in binary content mode, as a Knative broker delivers it: attributes in ce-* headers, the
 * JSON data as the body. Built by hand, not by the production encoder, so a test does not share its bugs.
 */
export function binaryEvent(
  type: string,
  data: unknown,
  options: EventOptions = {},
): { headers: Record<string, string>; body: string } {
  const subject = options.subject ?? subjectOf(data);
  const headers: Record<string, string> = {
    "ce-specversion": "1.0",
    "ce-id": options.id ?? randomUUID(),
    "ce-source": options.source ?? "/bazaar/order",
    "ce-type": type,
    "ce-time": new Date().toISOString(),
    ...(subject === undefined ? {} : { "ce-subject": subject }),
    "content-type": "application/json",
  };
  for (const [name, value] of Object.entries(options.extensions ?? {})) headers[`ce-${name}`] = value;
  return { headers, body: JSON.stringify(data) };
}

function subjectOf(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const { order_id, customer_id } = data as { order_id?: unknown; customer_id?: unknown };
  const id = order_id ?? customer_id;
  return id === undefined || id === null ? undefined : String(id);
}
