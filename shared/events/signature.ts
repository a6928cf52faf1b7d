import { createHash, sign, verify } from "node:crypto";
import { isEventType, producerOf, sourceOf } from "./catalog";
import type { EventKeyring, EventSigningKey } from "./keys";
import type { WireEvent } from "./wire";

/**
 * End-to-end event signatures. The producer signs what a receiver acts on: id, source, type, subject, time,
 * datacontenttype, the correlationid extension and a SHA-256 digest of the exact data bytes. Signature and key
 * id travel as two extension attributes, so they pass unchanged through the HTTP binding, RabbitMQ's AMQP
 * headers, the embedded broker, the dead-letter store and replay; attributes a broker adds on the way (the
 * knativeerror* ones) are not covered and are never acted on.
 *
 * Left out on purpose: `traceparent`, which tracing intermediaries may rewrite and which only links spans.
 * `time` is signed as the instant it names, because Knative's Go SDK re-formats timestamps in transit
 * (".120Z" arrives as ".12Z").
 */
export const SIGNATURE = "signature";
export const SIGNATURE_KEY = "signaturekey";

/** Why an event was refused; a fixed set, so it can label a metric. */
export type Refusal =
  "unknown type" | "wrong source" | "unsigned" | "unknown key" | "key of another producer" | "bad signature";

const instantOf = (time: string | undefined): number | null => {
  if (time === undefined) return null;
  const instant = Date.parse(time);
  return Number.isNaN(instant) ? null : instant;
};

/** The bytes signed: a JSON array, so no value can run into the next. */
function signedBytes(event: WireEvent): Buffer {
  const a = event.attributes;
  const digest = createHash("sha256").update(event.data).digest("base64url");
  const fields = [
    "bazaar-event-signature/1",
    a["specversion"] ?? null,
    a["id"] ?? null,
    a["source"] ?? null,
    a["type"] ?? null,
    a["subject"] ?? null,
    instantOf(a["time"]),
    a["datacontenttype"] ?? null,
    a["correlationid"] ?? null,
    digest,
  ];
  return Buffer.from(JSON.stringify(fields));
}

/** The same event with its producer's signature added. */
export function signEvent(event: WireEvent, key: EventSigningKey): WireEvent {
  const signature = sign(null, signedBytes(event), key.privateKey).toString("base64url");
  return {
    attributes: { ...event.attributes, [SIGNATURE]: signature, [SIGNATURE_KEY]: key.kid },
    data: event.data,
  };
}

/**
 * Checks that the event comes from the one function that may emit its type and carries that function's valid
 * signature. Returns why not, or undefined when it does.
 */
export function refusalOf(event: WireEvent, keyring: EventKeyring): Refusal | undefined {
  const { type = "", source, [SIGNATURE]: signature, [SIGNATURE_KEY]: kid } = event.attributes;
  if (!isEventType(type)) return "unknown type";
  const producer = producerOf[type];
  if (source !== sourceOf(producer)) return "wrong source";
  if (!signature || !kid) return "unsigned";
  const key = keyring.find(kid);
  if (!key) return "unknown key";
  if (key.producer !== producer) return "key of another producer";
  const valid = verify(null, signedBytes(event), key.publicKey, Buffer.from(signature, "base64url"));
  return valid ? undefined : "bad signature";
}
