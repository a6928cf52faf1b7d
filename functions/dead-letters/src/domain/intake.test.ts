import { describe, expect, it } from "vitest";
import { readDeadLetter } from "./intake";

const at = "2025-01-01T00:00:00.000Z";
const binaryHeaders = {
  "ce-specversion": "1.0",
  "ce-id": "evt-1",
  "ce-source": "/bazaar/order",
  "ce-type": "bazaar.order.confirmed",
  "ce-subject": "12",
  "ce-time": "2024-12-31T23:59:00.000Z",
  "ce-traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  "ce-correlationid": "corr-1",
  "ce-knativeerrordest": "http://notification.bazaar.svc/events",
  "ce-knativeerrorcode": "500",
  "ce-knativeerrordata": Buffer.from('{"detail":"boom"}').toString("base64"),
  "content-type": "application/json",
};

describe("readDeadLetter", () => {
  it("splits a binary-mode dead letter into columns and keeps every other attribute", () => {
    const letter = readDeadLetter(binaryHeaders, '{"order_id":12}', at);
    expect(letter).toEqual({
      eventId: "evt-1",
      eventSource: "/bazaar/order",
      eventType: "bazaar.order.confirmed",
      subject: "12",
      data: '{"order_id":12}',
      datacontenttype: "application/json",
      extensions: expect.any(String),
      errorDest: "http://notification.bazaar.svc/events",
      errorCode: 500,
      errorData: binaryHeaders["ce-knativeerrordata"],
      receivedAt: at,
    });
    expect(JSON.parse(letter.extensions)).toEqual({
      specversion: "1.0",
      time: "2024-12-31T23:59:00.000Z",
      traceparent: binaryHeaders["ce-traceparent"],
      correlationid: "corr-1",
    });
  });

  it("stores any type and data that is not even JSON, byte for byte", () => {
    const letter = readDeadLetter({ ...binaryHeaders, "ce-type": "com.example.unknown" }, "{not json", at);
    expect(letter).toMatchObject({ eventType: "com.example.unknown", data: "{not json" });
    // A JSON string stays a JSON string, not its unquoted content.
    expect(readDeadLetter(binaryHeaders, '"quoted"', at).data).toBe('"quoted"');
  });

  it("reads a structured-mode dead letter without a subscriber", () => {
    const body = JSON.stringify({
      specversion: "1.0",
      id: "evt-2",
      source: "/bazaar/payment",
      type: "bazaar.payment.failed",
      datacontenttype: "application/json",
      data: { order_id: 3 },
      knativeerrorcode: "503",
    });
    const letter = readDeadLetter({ "content-type": "application/cloudevents+json" }, body, at);
    expect(letter).toMatchObject({
      eventId: "evt-2",
      subject: null,
      data: '{"order_id":3}',
      errorDest: "",
      errorCode: 503,
      errorData: null,
    });
  });

  it("ignores an error code that is not an HTTP status", () => {
    expect(
      readDeadLetter({ ...binaryHeaders, "ce-knativeerrorcode": "boom" }, "{}", at).errorCode,
    ).toBeNull();
  });

  it("refuses a request that is not a CloudEvent", () => {
    expect(() => readDeadLetter({ "content-type": "application/json" }, "{}", at)).toThrow(
      /malformed CloudEvent/,
    );
  });
});
