import { describe, expect, it } from "vitest";
import { Invalid } from "../errors";
import { decodeEvent } from "./decode";
import { toWireEvent } from "./outbox";
import { readCloudEvent, toBinaryRequest } from "./wire";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const parseCloudEvent = (headers: Record<string, string>, body: string | Uint8Array) =>
  readCloudEvent(headers, typeof body === "string" ? bytes(body) : body);

const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const placedData = {
  order_id: 42,
  customer_id: 7,
  items: [{ product_id: 1, quantity: 2, unit_price_cents: 120000 }],
  total_cents: 240000,
  payment_method: "tok_visa",
  shipping_address: null,
};
type Row = Parameters<typeof toWireEvent>[0];
const placed: Row = {
  id: "0b6f0a3e-6d47-4a40-9d39-0cbd0b5c3c11",
  type: "bazaar.order.placed",
  source: "/bazaar/order",
  subject: "42",
  time: "2025-01-02T03:04:05.000Z",
  data: JSON.stringify(placedData),
  traceparent,
  correlationId: "checkout-7",
};
const toBinaryMessage = (row: Row) => toBinaryRequest(toWireEvent(row));

describe("binary mode", () => {
  it("puts the attributes in ce-* headers and the data in the body", () => {
    const { headers, body } = toBinaryMessage(placed);
    expect(headers).toMatchObject({
      "ce-specversion": "1.0",
      "ce-id": placed.id,
      "ce-type": "bazaar.order.placed",
      "ce-source": "/bazaar/order",
      "ce-subject": "42",
      "ce-time": placed.time,
      "ce-traceparent": traceparent,
      "ce-correlationid": "checkout-7",
      traceparent,
    });
    expect(headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(text(body))).toEqual(placedData);
  });

  it("round-trips through parseCloudEvent and decodeEvent", () => {
    const { headers, body } = toBinaryMessage(placed);
    const event = decodeEvent(parseCloudEvent(headers, body));
    expect(event).toEqual({
      id: placed.id,
      source: placed.source,
      type: placed.type,
      subject: "42",
      time: placed.time,
      data: placedData,
      traceparent,
      correlationid: "checkout-7",
    });
  });

  it("leaves out the optional attributes that are null", () => {
    const { headers } = toBinaryMessage({ ...placed, subject: null, traceparent: null, correlationId: null });
    expect(headers).not.toHaveProperty("ce-subject");
    expect(headers).not.toHaveProperty("ce-traceparent");
    expect(headers).not.toHaveProperty("traceparent");
    const event = decodeEvent(parseCloudEvent(headers, placed.data));
    expect(event.subject).toBeUndefined();
    expect(event.traceparent).toBeUndefined();
  });
});

describe("structured mode", () => {
  it("reads an event whose attributes and data travel together in the body", () => {
    const body = JSON.stringify({
      specversion: "1.0",
      id: placed.id,
      type: placed.type,
      source: placed.source,
      subject: "42",
      time: placed.time,
      datacontenttype: "application/json",
      data: placedData,
      traceparent,
    });
    const event = decodeEvent(
      parseCloudEvent({ "content-type": "application/cloudevents+json; charset=utf-8" }, body),
    );
    expect(event).toMatchObject({ id: placed.id, type: placed.type, data: placedData, traceparent });
  });
});

describe("refusals", () => {
  it("refuses a request that is not a CloudEvent", () => {
    expect(() => parseCloudEvent({ "content-type": "application/json" }, '{"hello":"world"}')).toThrow(
      Invalid,
    );
    expect(() => parseCloudEvent({}, "")).toThrow(/malformed CloudEvent/);
  });

  it("refuses a batch", () => {
    const one = { specversion: "1.0", id: "1", type: "bazaar.order.placed", source: "/x", data: {} };
    expect(() =>
      parseCloudEvent({ "content-type": "application/cloudevents-batch+json" }, JSON.stringify([one, one])),
    ).toThrow(/batched/);
  });

  it("rejects an unknown type", () => {
    const { headers, body } = toBinaryMessage({ ...placed, type: "bazaar.order.teleported" });
    expect(() => decodeEvent(parseCloudEvent(headers, body))).toThrow(
      new Invalid("unknown event type bazaar.order.teleported"),
    );
  });

  it("rejects data that does not match the catalog, naming the field", () => {
    const { headers, body } = toBinaryMessage({
      ...placed,
      data: JSON.stringify({ ...placedData, order_id: "42" }),
    });
    expect(() => decodeEvent(parseCloudEvent(headers, body))).toThrow(
      /^invalid data for bazaar\.order\.placed: order_id: /,
    );
  });
});
