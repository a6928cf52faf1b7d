import { describe, expect, it } from "vitest";
import { Invalid } from "../errors";
import { readCloudEvent, toBinaryRequest, withExtensions } from "./wire";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

const binaryHeaders = {
  "ce-specversion": "1.0",
  "ce-id": "e-1",
  "ce-source": "/bazaar/order",
  "ce-type": "bazaar.order.placed",
  "ce-subject": "42",
  "ce-tenant": "acme",
  "content-type": "application/json",
};

describe("readCloudEvent", () => {
  it("keeps every ce-* header of a binary event, unknown extensions included, and the exact body", () => {
    const body = bytes('{"order_id":42,  "note":"spacing kept"}');
    const event = readCloudEvent(binaryHeaders, body);
    expect(event.attributes).toEqual({
      specversion: "1.0",
      id: "e-1",
      source: "/bazaar/order",
      type: "bazaar.order.placed",
      subject: "42",
      tenant: "acme",
      datacontenttype: "application/json",
    });
    expect(text(event.data)).toBe('{"order_id":42,  "note":"spacing kept"}');
  });

  it("does not invent a time the publisher did not send", () => {
    expect(readCloudEvent(binaryHeaders, bytes("{}")).attributes["time"]).toBeUndefined();
  });

  it("reads a structured event: attributes as strings, JSON data as its JSON text", () => {
    const event = readCloudEvent(
      { "content-type": "application/cloudevents+json; charset=utf-8" },
      bytes(
        JSON.stringify({
          specversion: "1.0",
          id: "e-2",
          source: "/test",
          type: "bazaar.customer.deleted",
          time: "2026-05-01T10:00:00Z",
          priority: 3,
          urgent: true,
          dataschema: null,
          data: { customer_id: 7 },
        }),
      ),
    );
    expect(event.attributes).toEqual({
      specversion: "1.0",
      id: "e-2",
      source: "/test",
      type: "bazaar.customer.deleted",
      time: "2026-05-01T10:00:00Z",
      priority: "3",
      urgent: "true",
      datacontenttype: "application/json",
    });
    expect(JSON.parse(text(event.data))).toEqual({ customer_id: 7 });
  });

  it("decodes data_base64 and keeps text data as text", () => {
    const structured = (extra: object) =>
      readCloudEvent(
        { "content-type": "application/cloudevents+json" },
        bytes(JSON.stringify({ specversion: "1.0", id: "b", source: "/s", type: "t", ...extra })),
      );
    expect([...structured({ data_base64: Buffer.from([0, 1, 255]).toString("base64") }).data]).toEqual([
      0, 1, 255,
    ]);
    expect(text(structured({ datacontenttype: "text/plain", data: "hello" }).data)).toBe("hello");
    expect(text(structured({ data: "hello" }).data)).toBe('"hello"');
    expect(structured({}).data).toHaveLength(0);
  });

  it.each([
    ["no CloudEvent at all", { "content-type": "application/json" }, "{}"],
    ["no source", { "ce-specversion": "1.0", "ce-id": "1", "ce-type": "t" }, ""],
    ["no type", { "ce-specversion": "1.0", "ce-id": "1", "ce-source": "/s" }, ""],
    ["another specversion", { "ce-specversion": "0.3", "ce-id": "1", "ce-source": "/s", "ce-type": "t" }, ""],
    ["an invalid attribute name", { ...binaryHeaders, "ce-bad_name": "x" }, "{}"],
    ["a time that is no time", { ...binaryHeaders, "ce-time": "yesterday" }, "{}"],
    ["JSON data that is not JSON", binaryHeaders, "{oops"],
    ["a structured body that is not JSON", { "content-type": "application/cloudevents+json" }, "{oops"],
    ["a structured array", { "content-type": "application/cloudevents+json" }, "[]"],
    ["a batch", { "content-type": "application/cloudevents-batch+json" }, "[]"],
  ])("refuses %s", (_what, headers, body) => {
    expect(() => readCloudEvent(headers, bytes(body))).toThrow(Invalid);
  });

  it("refuses an attribute that is an object", () => {
    const body = JSON.stringify({ specversion: "1.0", id: "1", source: "/s", type: "t", nested: { a: 1 } });
    expect(() => readCloudEvent({ "content-type": "application/cloudevents+json" }, bytes(body))).toThrow(
      /nested must be a string/,
    );
  });
});

describe("toBinaryRequest", () => {
  it("puts every attribute in a ce-* header, datacontenttype in Content-Type, trace ids in plain headers", () => {
    const event = withExtensions(readCloudEvent(binaryHeaders, bytes('{"a":1}')), {
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      correlationid: "c-9",
    });
    const { headers, body } = toBinaryRequest(event);
    expect(headers).toEqual({
      "ce-specversion": "1.0",
      "ce-id": "e-1",
      "ce-source": "/bazaar/order",
      "ce-type": "bazaar.order.placed",
      "ce-subject": "42",
      "ce-tenant": "acme",
      "content-type": "application/json",
      "ce-traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      "ce-correlationid": "c-9",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      "x-correlation-id": "c-9",
    });
    expect(text(body)).toBe('{"a":1}');
  });

  it("percent-encodes space, quote, percent and what a header cannot carry, and decodes them on the way in", () => {
    const note = 'café "au" lait 100% ☕';
    const event = withExtensions(readCloudEvent(binaryHeaders, bytes("{}")), { note });
    const { headers, body } = toBinaryRequest(event);
    expect(headers["ce-note"]).toBe("caf%C3%A9%20%22au%22%20lait%20100%25%20%E2%98%95");
    expect(readCloudEvent(headers, body).attributes["note"]).toBe(note);
  });

  it("refuses a percent-encoded run that is not UTF-8 (an overlong space, a cut sequence), and accepts needless escapes", () => {
    const read = (note: string) => readCloudEvent({ ...binaryHeaders, "ce-note": note }, bytes("{}"));
    expect(() => read("a%C0%A0b")).toThrow(/ce-note holds a percent-encoded sequence that is not UTF-8/);
    expect(() => read("a%C3")).toThrow(Invalid);
    expect(read("%61%62c").attributes["note"]).toBe("abc");
    expect(read("50%ZZ").attributes["note"]).toBe("50%ZZ"); // no escape at all: taken as it is
  });

  it("writes nothing that is not a CloudEvent: a lone surrogate or a control character is refused", () => {
    const event = (note: string) => withExtensions(readCloudEvent(binaryHeaders, bytes("{}")), { note });
    expect(() => toBinaryRequest(event("a\ud800b"))).toThrow(/lone surrogate/);
    expect(() => toBinaryRequest(event("line\nbreak"))).toThrow(Invalid);
  });

  it("round-trips through readCloudEvent", () => {
    const event = readCloudEvent(binaryHeaders, bytes('{"x":[1,2]}'));
    const { headers, body } = toBinaryRequest(event);
    expect(readCloudEvent(headers, body)).toEqual(event);
  });
});
