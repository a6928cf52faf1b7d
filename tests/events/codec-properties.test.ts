import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Invalid } from "../../shared/errors";
import { isCloudEventString, isUriReference } from "../../shared/events/conformance";
import { readCloudEvent, toBinaryRequest, type WireEvent } from "../../shared/events/wire";

/**
 * Properties of the HTTP binary mode over generated events (fast-check, fixed seed: the same cases every run;
 * a failure prints the smallest event that breaks it). The example-based cases are in shared/events/wire.test.ts.
 */
const RUNS = { numRuns: 400, seed: 20261204 };

/** The spec's own context attributes: an extension never takes one of their names. */
const RESERVED = new Set([
  "specversion",
  "id",
  "source",
  "type",
  "datacontenttype",
  "dataschema",
  "subject",
  "time",
]);

/** Any CloudEvents String of at least one character, from the whole of Unicode (astral planes included). */
const ceString = fc.string({ unit: "binary", minLength: 1, maxLength: 40 }).filter(isCloudEventString);

/** RFC 3339 times as publishers write them: any number of fraction digits, Z or an offset. */
const timestamp = fc
  .record({
    date: fc.date({
      min: new Date("0001-01-01T00:00:00Z"),
      max: new Date("9999-12-31T23:59:59Z"),
      noInvalidDate: true,
    }),
    fraction: fc.stringMatching(/^(\.\d{1,9})?$/),
    offset: fc.constantFrom("Z", "z", "+00:00", "-05:30", "+14:00"),
  })
  .map(({ date, fraction, offset }) => `${date.toISOString().slice(0, 19)}${fraction}${offset}`);

const utf8 = new TextEncoder();
const payload = fc.oneof(
  fc.record({
    type: fc.constant("application/json"),
    data: fc.jsonValue().map((v) => utf8.encode(JSON.stringify(v) ?? "null")),
  }),
  fc.record({ type: fc.constant("text/plain; charset=utf-8"), data: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({
    type: fc.constant('application/vnd.bazaar+json; profile="a b"'),
    data: fc.constant(utf8.encode("{}")),
  }),
);

const event: fc.Arbitrary<WireEvent> = fc
  .record({
    id: ceString,
    source: fc
      .oneof(fc.webUrl(), fc.constantFrom("/bazaar/order", "urn:bazaar:order"))
      .filter(isUriReference),
    type: ceString,
    subject: fc.option(ceString, { nil: undefined }),
    time: fc.option(timestamp, { nil: undefined }),
    extensions: fc.dictionary(
      fc.stringMatching(/^[a-z0-9]{1,20}$/).filter((name) => !RESERVED.has(name)),
      ceString,
      { maxKeys: 4 },
    ),
    payload,
  })
  .map(({ extensions, payload: { type, data }, subject, time, ...required }) => ({
    attributes: {
      ...extensions,
      specversion: "1.0",
      ...required,
      ...(subject === undefined ? {} : { subject }),
      ...(time === undefined ? {} : { time }),
      datacontenttype: type,
    },
    data,
  }));

/** A code point no CloudEvents String may hold: a control character, a noncharacter or a lone surrogate. */
const forbidden = fc.constantFrom(
  "\u0000",
  "\u001f",
  "\u007f",
  "\u0085",
  "\u009f",
  "\ufdd0",
  "\ufffe",
  "\ud800",
  "\udfff",
);

/** Every character as percent-escaped UTF-8; a lone surrogate as the three bytes WTF-8 gives it (not UTF-8). */
const percentEncoded = (value: string): string =>
  [...value]
    .flatMap((character) => {
      const point = character.codePointAt(0) ?? 0;
      const isSurrogate = point >= 0xd800 && point <= 0xdfff;
      return isSurrogate
        ? [0xe0 | (point >> 12), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f)]
        : [...Buffer.from(character, "utf8")];
    })
    .map((byte) => `%${byte.toString(16).padStart(2, "0")}`)
    .join("");

describe("the binary mode, over generated events", () => {
  it("reads back exactly what it wrote: every attribute, extensions included, and the data's bytes", () => {
    fc.assert(
      fc.property(event, (sent) => {
        const { headers, body } = toBinaryRequest(sent);
        const read = readCloudEvent(headers, body);
        expect(read.attributes).toEqual(sent.attributes);
        expect(Buffer.from(read.data).equals(Buffer.from(sent.data))).toBe(true);
      }),
      RUNS,
    );
  });

  it("writes every attribute as a header HTTP/1.1 carries as it is: visible ASCII, the media type as it is", () => {
    fc.assert(
      fc.property(event, (sent) => {
        for (const [name, value] of Object.entries(toBinaryRequest(sent).headers)) {
          // Content-Type is the media type, which may hold spaces between its parameters; the rest is escaped.
          expect(value, name).toMatch(name === "content-type" ? /^[\x20-\x7e]+$/ : /^[\x21-\x7e]+$/);
        }
      }),
      RUNS,
    );
  });

  it("refuses to write, and to read, an attribute holding a character no CloudEvents String may hold", () => {
    fc.assert(
      fc.property(event, ceString, forbidden, fc.nat(), (sent, value, bad, at) => {
        const spoiled = value.slice(0, at % (value.length + 1)) + bad + value.slice(at % (value.length + 1));
        const attributes = { ...sent.attributes, subject: spoiled };
        expect(() => toBinaryRequest({ attributes, data: sent.data })).toThrow(Invalid);
        const headers = { ...toBinaryRequest(sent).headers, "ce-subject": percentEncoded(spoiled) };
        expect(() => readCloudEvent(headers, sent.data)).toThrow(Invalid);
      }),
      RUNS,
    );
  });
});
