import { producerOf, sourceOf, type EventType } from "../../shared/events";
import { signedEvent, signedHeaders, type EventOptions, type TestEventKeys } from "../../shared/testing";
import { call, type Answer } from "./http";

export type { EventOptions } from "../../shared/testing";

/**
 * POSTs a binary-mode CloudEvent to `url` (usually a function's `/events`), as the broker delivers it, signed
 * with its producer's key from `keys` (the system's own; `options.signer` or `unsigned` to forge one). Data is
 * not checked against the catalog, so a test can send what a broken producer would.
 */
export function deliver<T = any>(
  keys: TestEventKeys,
  url: string,
  type: string,
  data: unknown,
  options: EventOptions = {},
): Promise<Answer<T>> {
  const { headers, body } = signedEvent(keys, type, data, options);
  return call<T>("POST", url, { headers, raw: body });
}

/** Binary-mode headers made as the producer of their ce-type makes them: its source and its signature. */
export function asProducer(
  keys: TestEventKeys,
  headers: Record<string, string>,
  body: string,
): Record<string, string> {
  const producer = producerOf[headers["ce-type"] as EventType];
  return signedHeaders({ ...headers, "ce-source": sourceOf(producer) }, body, keys.keyOf(producer));
}

/**
 * POSTs an event for order 42 to a broker's ingress as the producer of `type` publishes it (its source and
 * signature), with `extra` headers; the broker suites' publisher.
 */
export function publishToBroker(
  keys: TestEventKeys,
  brokerUrl: string,
  event: { id: string; type: string; extra?: Record<string, string>; body?: string },
): Promise<Answer> {
  const body = event.body ?? '{"order_id":42}';
  const headers = {
    "ce-specversion": "1.0",
    "ce-id": event.id,
    "ce-type": event.type,
    "ce-subject": "42",
    "content-type": "application/json",
    ...event.extra,
  };
  return call("POST", `${brokerUrl}/`, { raw: body, headers: asProducer(keys, headers, body) });
}
