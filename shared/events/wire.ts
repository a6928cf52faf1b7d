import { Invalid } from "../errors";

/**
 * A CloudEvent as it travels: every context attribute and extension as a string, and the data as the exact
 * bytes of a binary-mode body. The broker keeps the same (the RabbitMQ broker as AMQP headers + body), which is
 * what lets ANY event pass through unchanged, whatever its type or extensions. `datacontenttype` is an
 * attribute like the others; it travels as the Content-Type header. This is the whole CloudEvents 1.0 HTTP
 * binding the system needs; the CloudEvents SDK did the same with JSON-schema validation per event, at several
 * times the cost.
 */
export interface WireEvent {
  readonly attributes: Readonly<Record<string, string>>;
  readonly data: Uint8Array;
}

const STRUCTURED = /^application\/cloudevents\+json/i;
const BATCH = /^application\/cloudevents-batch\+json/i;
const JSON_MEDIA_TYPE = /^(application\/([\w.-]+\+)?json|text\/json)\b/i;
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Reads a binary or structured CloudEvent from an HTTP message (an ingress request, a delivery or a
 * subscriber's reply). `headers` have lower-case names. Anything that is not a valid CloudEvent 1.0 (a batch
 * included) is an Invalid error, and so is binary-mode JSON data that does not parse, unless `checkData` is
 * false: a receiver checks the signature over the bytes as they came before it reads them as JSON.
 */
export function readCloudEvent(
  headers: Record<string, string>,
  body: Uint8Array,
  { checkData = true }: { checkData?: boolean } = {},
): WireEvent {
  const contentType = headers["content-type"] ?? "";
  if (BATCH.test(contentType)) throw new Invalid("batched CloudEvents are not accepted");
  const event = STRUCTURED.test(contentType)
    ? fromStructured(decoder.decode(body))
    : fromBinary(headers, body, checkData);
  checkAttributes(event.attributes);
  return event;
}

function fromBinary(headers: Record<string, string>, body: Uint8Array, checkData: boolean): WireEvent {
  if (!("ce-specversion" in headers)) {
    throw new Invalid("malformed CloudEvent: no ce-specversion header and not application/cloudevents+json");
  }
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith("ce-")) attributes[name.slice(3)] = attributeValue(value);
  }
  const contentType = headers["content-type"];
  if (contentType) attributes["datacontenttype"] = contentType;
  if (checkData && body.length > 0 && JSON_MEDIA_TYPE.test(contentType ?? ""))
    parseJson(decoder.decode(body), "data");
  return { attributes, data: body };
}

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Invalid(`malformed CloudEvent: the ${what} is not JSON (${(error as Error).message})`);
  }
};

function fromStructured(text: string): WireEvent {
  const json = parseJson(text, "structured body");
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Invalid("a structured CloudEvent must be a JSON object");
  }
  const { data, data_base64: base64, ...rest } = json as Record<string, unknown>;
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(rest)) {
    if (value === null || value === undefined) continue; // null means absent in the JSON format
    if (!["string", "number", "boolean"].includes(typeof value)) {
      throw new Invalid(`attribute ${name} must be a string, number or boolean`);
    }
    attributes[name] = String(value);
  }
  if (base64 !== undefined && base64 !== null) {
    if (typeof base64 !== "string") throw new Invalid("data_base64 must be a string");
    return { attributes, data: new Uint8Array(Buffer.from(base64, "base64")) };
  }
  if (data === undefined || data === null) return { attributes, data: new Uint8Array() };
  // No datacontenttype in the JSON format means JSON data; say so on the binary wire.
  attributes["datacontenttype"] ??= "application/json";
  const isJson = JSON_MEDIA_TYPE.test(attributes["datacontenttype"]);
  const bytes = !isJson && typeof data === "string" ? data : JSON.stringify(data);
  return { attributes, data: encoder.encode(bytes) };
}

/** What every CloudEvent the broker holds must satisfy, however it arrived (HTTP, or an AMQP message). */
export function checkAttributes(attributes: Readonly<Record<string, string>>): void {
  const specversion = attributes["specversion"];
  if (specversion !== "1.0") {
    throw new Invalid(
      `unsupported specversion ${specversion ?? "(missing)"}: the broker speaks CloudEvents 1.0`,
    );
  }
  for (const required of ["id", "source", "type"]) {
    if (!attributes[required]) throw new Invalid(`the CloudEvent has no ${required}`);
  }
  for (const name of Object.keys(attributes)) {
    if (!ATTRIBUTE_NAME.test(name)) {
      throw new Invalid(`attribute name ${name} is not lower-case letters and digits`);
    }
  }
  const time = attributes["time"];
  if (time !== undefined && Number.isNaN(Date.parse(time))) {
    throw new Invalid(`time ${time} is not an RFC 3339 timestamp`);
  }
}

/**
 * Binary content mode, as the Knative dispatcher delivers: every attribute in a ce-* header (so unknown
 * extensions survive), datacontenttype as Content-Type, the data bytes as the body. traceparent and the
 * correlation id are repeated as plain headers, where HTTP middleware looks for them.
 */
export function toBinaryRequest(event: WireEvent): { headers: Record<string, string>; body: Uint8Array } {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.attributes)) {
    if (name === "datacontenttype") headers["content-type"] = value;
    else headers[`ce-${name}`] = headerValue(value);
  }
  const { traceparent, correlationid } = event.attributes;
  if (traceparent) headers["traceparent"] = headerValue(traceparent);
  if (correlationid) headers["x-correlation-id"] = headerValue(correlationid);
  return { headers, body: event.data };
}

/**
 * The HTTP binding's header encoding: space, double quote, percent and everything outside printable ASCII are
 * percent-encoded as UTF-8 on the way out, and decoded on the way in (a run that is not valid UTF-8 is kept).
 */
const headerValue = (value: string): string =>
  value.replace(/[^\x21\x23-\x24\x26-\x7e]/gu, (character) => {
    try {
      return encodeURIComponent(character);
    } catch {
      return "%EF%BF%BD"; // a lone surrogate has no UTF-8: the replacement character
    }
  });

const attributeValue = (header: string): string =>
  header.includes("%")
    ? header.replace(/(?:%[0-9a-f]{2})+/giu, (run) => {
        try {
          return decodeURIComponent(run);
        } catch {
          return run;
        }
      })
    : header;

/** The same event with extra extension attributes (e.g. the knativeerror* ones of a dead letter). */
export const withExtensions = (event: WireEvent, extensions: Record<string, string>): WireEvent => ({
  attributes: { ...event.attributes, ...extensions },
  data: event.data,
});
