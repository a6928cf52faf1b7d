import { describe, expect, it } from "vitest";
import { Invalid } from "../errors";
import { isAbsoluteUri, isMediaType, isTimestamp, isUriReference } from "./conformance";
import { readCloudEvent, toBinaryRequest } from "./wire";

/**
 * One case per rule of CloudEvents 1.0.2 (spec.md), its JSON event format and its HTTP protocol binding, on
 * the way in (readCloudEvent, binary and structured) and on the way out (toBinaryRequest).
 */
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const required = { specversion: "1.0", id: "e-1", source: "/bazaar/order", type: "bazaar.order.placed" };

const binary = (attributes: Record<string, string>, body = "{}", contentType = "application/json") =>
  readCloudEvent(
    {
      ...Object.fromEntries(Object.entries(attributes).map(([name, value]) => [`ce-${name}`, value])),
      ...(contentType && { "content-type": contentType }),
    },
    bytes(body),
  );
const structured = (members: Record<string, unknown>) =>
  readCloudEvent(
    { "content-type": "application/cloudevents+json; charset=utf-8" },
    bytes(JSON.stringify(members)),
  );
const written = (attributes: Record<string, string>) => () =>
  toBinaryRequest({ attributes, data: bytes("") });

describe("context attributes (spec.md 3.1, 3.2)", () => {
  it.each([
    [
      "specversion is missing",
      { ...required, specversion: undefined },
      /unsupported specversion \(missing\)/,
    ],
    ["specversion is not 1.0", { ...required, specversion: "0.3" }, /unsupported specversion 0.3/],
    ["id is missing", { ...required, id: undefined }, /has no id/],
    ["id is empty", { ...required, id: "" }, /attribute id is empty/],
    ["source is missing", { ...required, source: undefined }, /has no source/],
    ["source is empty", { ...required, source: "" }, /attribute source is empty/],
    ["type is missing", { ...required, type: undefined }, /has no type/],
    ["type is empty", { ...required, type: "" }, /attribute type is empty/],
    ["an optional attribute is empty", { ...required, subject: "" }, /attribute subject is empty/],
  ])("refuses an event whose %s, read or written", (_rule, attributes, message) => {
    const present = Object.fromEntries(
      Object.entries(attributes).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    expect(() => structured(present)).toThrow(message);
    expect(() => written(present)()).toThrow(message);
  });

  it("takes the required attributes alone, and every optional one when well formed", () => {
    const full = {
      ...required,
      subject: "42",
      time: "2026-12-02T17:43:31.123456Z",
      dataschema: "https://bazaar.example/schemas/order-placed.json",
      datacontenttype: "application/json; charset=utf-8",
    };
    expect(structured(required).attributes).toEqual(required);
    expect(structured(full).attributes).toEqual(full);
    expect(written(full)).not.toThrow();
  });
});

describe("attribute types (spec.md 2.1, type system)", () => {
  it.each([
    ["/bazaar/order", true],
    ["https://bazaar.example/order?x=1#f", true],
    ["urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", true],
    ["mailto:ops@bazaar.example", true],
    ["order", true],
    ["caf%C3%A9", true],
    ["has space", false],
    ["100%", false],
    ["%zz", false],
    ["1abc:def", false],
    ["<script>", false],
  ])("source %s is a URI-reference (RFC 3986): %s", (source, valid) => {
    expect(isUriReference(source)).toBe(valid);
    const read = () => binary({ ...required, source: encodeHeader(source) });
    if (valid) expect(read().attributes["source"]).toBe(source);
    else expect(read).toThrow(/source .* is not a URI-reference/);
  });

  it.each([
    ["https://bazaar.example/schema.json", true],
    ["urn:bazaar:schema:1", true],
    ["/relative/schema.json", false],
    ["schema.json", false],
  ])("dataschema %s is an absolute URI: %s", (dataschema, valid) => {
    expect(isAbsoluteUri(dataschema)).toBe(valid);
    const read = () => structured({ ...required, dataschema });
    if (valid) expect(read().attributes["dataschema"]).toBe(dataschema);
    else expect(read).toThrow(/dataschema .* is not an absolute URI/);
  });

  it.each([
    ["application/json", true],
    ["text/plain; charset=utf-8", true],
    ['multipart/mixed; boundary="a b"', true],
    ["application/vnd.bazaar+json;v=2", true],
    ["json", false],
    ["application/", false],
    ["application/json; charset", false],
    ["text /plain", false],
  ])("datacontenttype %s is a media type (RFC 2046): %s", (datacontenttype, valid) => {
    expect(isMediaType(datacontenttype)).toBe(valid);
    const read = () => structured({ ...required, datacontenttype });
    if (valid) expect(read().attributes["datacontenttype"]).toBe(datacontenttype);
    else expect(read).toThrow(/datacontenttype .* is not a media type/);
  });

  it.each([
    ["2026-12-02T17:43:31Z", true],
    ["2026-12-02T17:43:31.123456789+05:30", true],
    ["2026-12-02t17:43:31z", true],
    ["2016-12-31T23:59:60Z", true], // a leap second
    ["2024-02-29T00:00:00Z", true],
    ["2026-02-29T00:00:00Z", false],
    ["2026-13-01T00:00:00Z", false],
    ["2026-12-02T24:00:00Z", false],
    ["2026-12-02 17:43:31Z", false],
    ["2026-12-02T17:43:31", false], // no offset
    ["2026-12-02", false],
    ["1764697411", false],
    ["Wed, 02 Dec 2026 17:43:31 GMT", false],
  ])("time %s is an RFC 3339 timestamp: %s", (time, valid) => {
    expect(isTimestamp(time)).toBe(valid);
    const read = () => structured({ ...required, time });
    if (valid) expect(read().attributes["time"]).toBe(time);
    else expect(read).toThrow(/time .* is not an RFC 3339 timestamp/);
  });

  it.each([
    ["a control character", "line\u0001break"],
    ["a C1 control character", "next\u0085line"],
    ["a lone high surrogate", "a\ud800b"],
    ["a lone low surrogate", "a\udc00b"],
    ["a noncharacter", "a\ufdd0b"],
    ["a supplementary noncharacter", "a\u{10ffff}b"],
  ])("a String holds no %s", (_what, value) => {
    expect(() => structured({ ...required, subject: value })).toThrow(
      /control character, a noncharacter or a lone/,
    );
    expect(written({ ...required, subject: value })).toThrow(Invalid);
  });

  it("a String may hold any other Unicode, a properly paired surrogate included", () => {
    const subject = "Ünïcødé ☕ 😀 中文";
    expect(structured({ ...required, subject }).attributes["subject"]).toBe(subject);
    const { headers, body } = toBinaryRequest({ attributes: { ...required, subject }, data: bytes("") });
    expect(readCloudEvent(headers, body).attributes["subject"]).toBe(subject);
  });
});

describe("extension attributes (spec.md 3.3, naming)", () => {
  it.each([["UPPER"], ["with_underscore"], ["with-dash"], ["dötted"]])("refuses the name %s", (name) => {
    expect(() => structured({ ...required, [name]: "x" })).toThrow(/is not lower-case letters and digits/);
    expect(written({ ...required, [name]: "x" })).toThrow(/is not lower-case letters and digits/);
  });

  it("takes lower-case letters and digits", () => {
    expect(binary({ ...required, tenant2: "acme" }).attributes["tenant2"]).toBe("acme");
  });
});

describe("JSON event format (formats/json-format.md)", () => {
  it.each([
    ["id", 42],
    ["source", { path: "/x" }],
    ["type", true],
    ["time", 1764697411],
    ["subject", 42],
    ["datacontenttype", 1],
  ])("refuses %s that is not a JSON string", (name, value) => {
    expect(() => structured({ ...required, [name]: value })).toThrow(
      `attribute ${name} must be a JSON string`,
    );
  });

  it("takes extension values that are strings, booleans and 32-bit integers, as binary mode carries them", () => {
    const event = structured({
      ...required,
      tenant: "acme",
      urgent: false,
      priority: -2147483648,
      max: 2147483647,
    });
    expect(event.attributes).toMatchObject({
      tenant: "acme",
      urgent: "false",
      priority: "-2147483648",
      max: "2147483647",
    });
  });

  it.each([
    ["a fraction", 1.5],
    ["an integer beyond 32 bits", 2147483648],
    ["an object", { a: 1 }],
    ["an array", [1]],
  ])("refuses an extension value that is %s", (_what, value) => {
    expect(() => structured({ ...required, ext: value })).toThrow(
      /must be a string, a boolean or a 32-bit integer/,
    );
  });

  it("treats null as absent", () => {
    expect(structured({ ...required, subject: null, ext: null }).attributes).toEqual(required);
  });

  it("refuses data and data_base64 together, and data_base64 that is not base64", () => {
    expect(() => structured({ ...required, data: {}, data_base64: "AA==" })).toThrow(
      /data or data_base64, not both/,
    );
    expect(() => structured({ ...required, data_base64: "not base64!" })).toThrow(/must be a base64 string/);
    expect(() => structured({ ...required, data_base64: 12 })).toThrow(/must be a base64 string/);
  });

  it("decodes data_base64 to its bytes", () => {
    const event = structured({
      ...required,
      datacontenttype: "application/octet-stream",
      data_base64: "AAH/",
    });
    expect([...event.data]).toEqual([0, 1, 255]);
  });

  it("reads data as JSON when no datacontenttype is given, and keeps its text exactly", () => {
    const body = `{"specversion":"1.0","id":"e","source":"/s","type":"t","data": {"big": 12345678901234567890, "price": 12.50, "e": 1E+2 } }`;
    const event = readCloudEvent({ "content-type": "application/cloudevents+json" }, bytes(body));
    expect(event.attributes["datacontenttype"]).toBe("application/json");
    expect(text(event.data)).toBe('{"big": 12345678901234567890, "price": 12.50, "e": 1E+2 }');
  });

  it("takes data of another media type only as a JSON string", () => {
    expect(text(structured({ ...required, datacontenttype: "text/plain", data: "hello" }).data)).toBe(
      "hello",
    );
    expect(() => structured({ ...required, datacontenttype: "text/plain", data: { a: 1 } })).toThrow(
      /must be a JSON string/,
    );
  });

  it("refuses a body that is not one JSON object, and a batch", () => {
    const read = (contentType: string, body: string) => () =>
      readCloudEvent({ "content-type": contentType }, bytes(body));
    expect(read("application/cloudevents+json", "[]")).toThrow(/must be a JSON object/);
    expect(read("application/cloudevents+json", "{oops")).toThrow(/not JSON/);
    expect(read("application/cloudevents-batch+json", "[]")).toThrow(/batched CloudEvents are not accepted/);
  });
});

describe("HTTP protocol binding (bindings/http-protocol-binding.md)", () => {
  it("binary mode needs ce-specversion; anything else is no CloudEvent", () => {
    expect(() => readCloudEvent({ "content-type": "application/json" }, bytes("{}"))).toThrow(
      /no ce-specversion/,
    );
  });

  it("maps Content-Type to datacontenttype both ways, and refuses a ce-datacontenttype header", () => {
    const event = binary(required, "<a/>", "application/xml");
    expect(event.attributes["datacontenttype"]).toBe("application/xml");
    expect(toBinaryRequest(event).headers["content-type"]).toBe("application/xml");
    expect(() => binary({ ...required, datacontenttype: "text/plain" })).toThrow(/travels as Content-Type/);
  });

  it("has no datacontenttype when there is no Content-Type", () => {
    expect(binary(required, "", "").attributes["datacontenttype"]).toBeUndefined();
  });

  it("percent-encodes space, quote, percent and non-ASCII as UTF-8 in header values, and decodes them", () => {
    const subject = 'a "b" 100% ünï';
    const { headers } = toBinaryRequest({ attributes: { ...required, subject }, data: bytes("") });
    expect(headers["ce-subject"]).toBe("a%20%22b%22%20100%25%20%C3%BCn%C3%AF");
    expect(readCloudEvent(headers, bytes("")).attributes["subject"]).toBe(subject);
  });

  it("refuses percent-encoded bytes that are not UTF-8", () => {
    expect(() => binary({ ...required, subject: "%C0%A0" })).toThrow(/not UTF-8/);
  });

  it("reads structured mode by its media type, with or without parameters", () => {
    const body = bytes(JSON.stringify(required));
    expect(readCloudEvent({ "content-type": "application/cloudevents+json" }, body).attributes).toEqual(
      required,
    );
    expect(
      readCloudEvent({ "content-type": "APPLICATION/CLOUDEVENTS+JSON; charset=UTF-8" }, body).attributes,
    ).toEqual(required);
  });
});

/** A value as a header carries it (what toBinaryRequest does), so a test can send any source. */
function encodeHeader(value: string): string {
  return value.replace(/[^\x21\x23-\x24\x26-\x7e]/gu, (character) => encodeURIComponent(character));
}
