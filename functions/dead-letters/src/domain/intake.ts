import { readCloudEvent, type WireEvent } from "@bazaar/shared/events";
import type { DeadLetter, NewDeadLetter } from "./dead-letters";

/** Attributes with a column of their own; every other attribute is kept in `extensions`. */
const COLUMN_ATTRIBUTES = new Set([
  "id",
  "source",
  "type",
  "subject",
  "data",
  "datacontenttype",
  "knativeerrordest",
  "knativeerrorcode",
  "knativeerrordata",
]);

const textOf = (value: unknown): string | null =>
  value === undefined || value === null ? null : String(value);
const statusOf = (value: unknown): number | null => {
  const status = Number(value);
  return Number.isInteger(status) && status >= 100 && status <= 599 ? status : null;
};

const isStructured = (headers: Record<string, string>): boolean =>
  /^application\/cloudevents/i.test(headers["content-type"] ?? "");
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Reads a dead-lettered CloudEvent of any type, in the catalog or not, without judging its data: it is
 * stored as it came so it can be replayed as it was. Only a request that is no CloudEvent at all is refused.
 */
export function readDeadLetter(
  headers: Record<string, string>,
  body: string,
  receivedAt: string,
): NewDeadLetter {
  // Binary mode (how Knative delivers) keeps every attribute in headers and the body is stored byte for byte,
  // so data that is not even valid JSON is kept and replayed as it came.
  const structured = isStructured(headers);
  const { attributes, data } = readCloudEvent(headers, encoder.encode(body), { checkData: false });
  const extensions = Object.fromEntries(
    Object.entries(attributes).filter(([name]) => !COLUMN_ATTRIBUTES.has(name)),
  );
  return {
    eventId: attributes["id"] ?? "",
    eventSource: attributes["source"] ?? "",
    eventType: attributes["type"] ?? "",
    subject: attributes["subject"] ?? null,
    data: structured ? (data.length > 0 ? decoder.decode(data) : null) : body === "" ? null : body,
    datacontenttype: attributes["datacontenttype"] ?? null,
    extensions: JSON.stringify(extensions),
    errorDest: textOf(attributes["knativeerrordest"]) ?? "",
    errorCode: statusOf(attributes["knativeerrorcode"]),
    errorData: textOf(attributes["knativeerrordata"]),
    receivedAt,
  };
}

/**
 * The event as its producer published it, rebuilt from a stored dead letter: every attribute it arrived with
 * (its signature included) and its data bytes, without the knativeerror* extensions the broker added. This is
 * what the intake verifies before storing and what a replay verifies and sends, so both judge the same bytes.
 */
export function originalEvent(letter: DeadLetter | NewDeadLetter): WireEvent {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(
    JSON.parse(letter.extensions ?? "{}") as Record<string, unknown>,
  )) {
    if (typeof value === "string" && !name.startsWith("knativeerror")) attributes[name] = value;
  }
  attributes["id"] = letter.eventId;
  attributes["source"] = letter.eventSource;
  attributes["type"] = letter.eventType;
  if (letter.subject) attributes["subject"] = letter.subject;
  if (letter.datacontenttype) attributes["datacontenttype"] = letter.datacontenttype;
  return { attributes, data: encoder.encode(letter.data ?? "") };
}
