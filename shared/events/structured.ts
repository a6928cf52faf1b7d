import { Invalid } from "../errors";
import type { WireEvent } from "./wire";

/**
 * The CloudEvents JSON event format 1.0.2 (structured content mode), read into the binary-mode shape: every
 * attribute a string, the data as bytes. JSON data is kept as the exact text the sender wrote (big and decimal
 * numbers, spacing), so it can be passed on and its digest checked; data_base64 becomes the bytes it encodes.
 */

/** Attributes whose type is String, URI, URI-reference or Timestamp: a JSON string and nothing else. */
const STRING_ATTRIBUTES = new Set([
  "specversion",
  "id",
  "source",
  "type",
  "datacontenttype",
  "dataschema",
  "subject",
  "time",
]);
const INT32 = 2 ** 31;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
export const JSON_MEDIA_TYPE = /^(application\/([\w.-]+\+)?json|text\/json)\s*(;|$)/i;
const encoder = new TextEncoder();

/** An extension's JSON value as the string binary mode carries: a string, a boolean or a 32-bit integer. */
function attributeText(name: string, value: unknown): string {
  if (typeof value === "string") return value;
  if (STRING_ATTRIBUTES.has(name)) throw new Invalid(`attribute ${name} must be a JSON string`);
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number" && Number.isInteger(value) && value >= -INT32 && value < INT32) {
    return String(value);
  }
  throw new Invalid(`attribute ${name} must be a string, a boolean or a 32-bit integer`);
}

export function fromStructured(text: string): WireEvent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Invalid(`malformed CloudEvent: the structured body is not JSON (${(error as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Invalid("a structured CloudEvent must be a JSON object");
  }
  const { data, data_base64: base64, ...rest } = json as Record<string, unknown>;
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(rest)) {
    if (value !== null) attributes[name] = attributeText(name, value); // null means absent
  }
  const hasData = data !== undefined && data !== null;
  const hasBase64 = base64 !== undefined && base64 !== null;
  if (hasData && hasBase64) throw new Invalid("a CloudEvent has data or data_base64, not both");
  if (hasBase64) {
    if (typeof base64 !== "string" || !BASE64.test(base64)) {
      throw new Invalid("data_base64 must be a base64 string (RFC 4648)");
    }
    return { attributes, data: new Uint8Array(Buffer.from(base64, "base64")) };
  }
  if (!hasData) return { attributes, data: new Uint8Array() };
  // No datacontenttype in the JSON format means JSON data; say so on the binary wire.
  attributes["datacontenttype"] ??= "application/json";
  if (JSON_MEDIA_TYPE.test(attributes["datacontenttype"])) {
    return { attributes, data: encoder.encode(memberSource(text, "data")) };
  }
  if (typeof data !== "string") {
    throw new Invalid("data that is not JSON must be a JSON string (or binary, in data_base64)");
  }
  return { attributes, data: encoder.encode(data) };
}

/**
 * The source text of a top-level member's value. The text has parsed as JSON already, so a scan that skips
 * strings and counts brackets finds where each value ends.
 */
function memberSource(text: string, wanted: string): string {
  let found = "";
  let i = text.indexOf("{") + 1;
  const skipSpace = (): void => {
    while (/\s/.test(text[i] ?? "")) i++;
  };
  const skipString = (): void => {
    for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
    i++;
  };
  for (;;) {
    skipSpace();
    if (text[i] !== '"') return found;
    const keyStart = i;
    skipString();
    const key = JSON.parse(text.slice(keyStart, i)) as string;
    skipSpace();
    i++; // the colon
    skipSpace();
    const valueStart = i;
    let depth = 0;
    while (i < text.length) {
      const character = text[i];
      if (character === '"') {
        skipString();
        continue;
      }
      if (character === "{" || character === "[") depth++;
      else if (character === "}" || character === "]") {
        if (depth === 0) break;
        depth--;
      } else if (character === "," && depth === 0) break;
      i++;
    }
    if (key === wanted) found = text.slice(valueStart, i).trimEnd(); // the last one wins, as in JSON.parse
    if (text[i] === ",") i++;
  }
}
