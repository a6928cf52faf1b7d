import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createEventKeyring,
  defaultEventKeysDir,
  isEventType,
  loadEventSigningKey,
  producerOf,
  producers,
  signEvent,
  sourceOf,
  type EventKeyring,
  type EventSigningKey,
  type Producer,
} from "../events";

export interface EventOptions {
  /** The same id twice is a redelivery of one event; a fresh UUID by default. */
  id?: string;
  /** Who sent it; the type's producer by default. */
  source?: string;
  /** The order id, else the customer id found in the data; none when the data has neither. */
  subject?: string;
  /** More CloudEvent attributes by name without the `ce-` prefix, e.g. { correlationid: "abc" }. */
  extensions?: Record<string, string>;
  /** Whose key signs it: the type's producer by default; another one's to forge. */
  signer?: Producer;
  /** Sent without a signature, as a forger without any key would. */
  unsigned?: boolean;
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
    "ce-source": options.source ?? defaultSourceOf(type),
    "ce-type": type,
    "ce-time": new Date().toISOString(),
    ...(subject === undefined ? {} : { "ce-subject": subject }),
    "content-type": "application/json",
  };
  for (const [name, value] of Object.entries(options.extensions ?? {})) headers[`ce-${name}`] = value;
  return { headers, body: JSON.stringify(data) };
}

const defaultSourceOf = (type: string): string => sourceOf(isEventType(type) ? producerOf[type] : "order");

/** Adds the ce-signature headers of `key` to a binary-mode event, as its producer's relay would. */
export function signedHeaders(
  headers: Record<string, string>,
  body: string,
  key: EventSigningKey,
): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith("ce-")) attributes[name.slice(3)] = value;
  }
  if (headers["content-type"]) attributes["datacontenttype"] = headers["content-type"];
  const signed = signEvent({ attributes, data: new TextEncoder().encode(body) }, key).attributes;
  return {
    ...headers,
    "ce-signature": signed["signature"] ?? "",
    "ce-signaturekey": signed["signaturekey"] ?? "",
  };
}

/** Every producer's signing key and the keyring that trusts them, as a shop's DATA_DIR would hold them. */
export interface TestEventKeys {
  dataDir: string;
  keyring: EventKeyring;
  keyOf(producer: Producer): EventSigningKey;
}

/** The event keys under `dataDir` (a running system's, or a fresh folder), made on first use like `npm start`. */
export function eventKeysIn(dataDir = mkdtempSync(join(tmpdir(), "bazaar-event-keys-"))): TestEventKeys {
  const keysDir = defaultEventKeysDir(dataDir);
  const keys = new Map<Producer, EventSigningKey>();
  const keyOf = (producer: Producer): EventSigningKey => {
    const key = keys.get(producer) ?? loadEventSigningKey({ producer, dataDir, keysDir });
    keys.set(producer, key);
    return key;
  };
  for (const producer of producers) keyOf(producer);
  return { dataDir, keyring: createEventKeyring(keysDir), keyOf };
}

/** A binary-mode event signed by the producer of its type (or by `signer`, to forge one). */
export function signedEvent(
  keys: TestEventKeys,
  type: string,
  data: unknown,
  options: EventOptions = {},
): { headers: Record<string, string>; body: string } {
  const { headers, body } = binaryEvent(type, data, options);
  if (options.unsigned) return { headers, body };
  const producer = options.signer ?? (isEventType(type) ? producerOf[type] : "order");
  return { headers: signedHeaders(headers, body, keys.keyOf(producer)), body };
}

function subjectOf(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const { order_id, customer_id } = data as { order_id?: unknown; customer_id?: unknown };
  const id = order_id ?? customer_id;
  return id === undefined || id === null ? undefined : String(id);
}
