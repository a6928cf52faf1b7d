import { Invalid } from "../errors";
import { checkAttributes } from "./conformance";
import { fromStructured, JSON_MEDIA_TYPE } from "./structured";

/**
 * A CloudEvent as it travels: every context attribute and extension as a string, and the data as the exact
 * bytes of a binary-mode body. The broker keeps the same (the RabbitMQ broker as AMQP headers + body), which is
 * what lets ANY event pass through unchanged, whatever its type or extensions. `datacontenttype` is an
 * attribute like the others; it travels as the Content-Type header. This is the CloudEvents 1.0.2 HTTP
 * binding (binary and structured mode; no batches), checked against every rule of the spec on the way in and
 * out (conformance.ts), with the `cloudevents` SDK as the interop oracle in the tests. Ours rather than the SDK
 * because the SDK re-encodes numbers and times, sends non-ASCII header values unencoded, and costs several
 * times the CPU per event (BENCHMARKS.md, Part 3).
 */
export interface WireEvent {
  readonly attributes: Readonly<Record<string, string>>;
  readonly data: Uint8Array;
}

const STRUCTURED = /^application\/cloudevents\+json/i;
const BATCH = /^application\/cloudevents-batch\+json/i;
const decoder = new TextDecoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

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
  if ("ce-datacontenttype" in headers) {
    throw new Invalid("in binary mode datacontenttype travels as Content-Type, not as ce-datacontenttype");
  }
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith("ce-")) attributes[name.slice(3)] = attributeValue(name, value);
  }
  const contentType = headers["content-type"];
  if (contentType) attributes["datacontenttype"] = contentType;
  if (checkData && body.length > 0 && JSON_MEDIA_TYPE.test(contentType ?? "")) {
    try {
      JSON.parse(decoder.decode(body));
    } catch (error) {
      throw new Invalid(`malformed CloudEvent: the data is not JSON (${(error as Error).message})`);
    }
  }
  return { attributes, data: body };
}

/**
 * Binary content mode, as the Knative dispatcher delivers: every attribute in a ce-* header (so unknown
 * extensions survive), datacontenttype as Content-Type, the data bytes as the body. traceparent and the
 * correlation id are repeated as plain headers, where HTTP middleware looks for them.
 */
export function toBinaryRequest(event: WireEvent): { headers: Record<string, string>; body: Uint8Array } {
  checkAttributes(event.attributes); // what leaves is as conformant as what is let in
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
 * The HTTP binding's header encoding (3.1.3.2): space, double quote, percent and everything outside printable
 * ASCII are percent-encoded as UTF-8 on the way out. (A lone surrogate never gets here: checkAttributes refuses
 * it as no CloudEvents String.)
 */
const headerValue = (value: string): string =>
  value.replace(/[^\x21\x23-\x24\x26-\x7e]/gu, (character) => encodeURIComponent(character));

/** On the way in, percent-escapes are decoded; a run that is not valid UTF-8 (e.g. overlong) is refused. */
function attributeValue(header: string, value: string): string {
  if (!value.includes("%")) return value;
  return value.replace(/(?:%[0-9a-f]{2})+/giu, (run) => {
    const bytes = Uint8Array.from(run.slice(1).split("%"), (hex) => Number.parseInt(hex, 16));
    try {
      return strictUtf8.decode(bytes);
    } catch {
      throw new Invalid(`header ${header} holds a percent-encoded sequence that is not UTF-8`);
    }
  });
}

/** The same event with extra extension attributes (e.g. the knativeerror* ones of a dead letter). */
export const withExtensions = (event: WireEvent, extensions: Record<string, string>): WireEvent => ({
  attributes: { ...event.attributes, ...extensions },
  data: event.data,
});
