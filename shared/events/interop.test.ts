import { CloudEvent, HTTP } from "cloudevents";
import { describe, expect, it } from "vitest";
import { readCloudEvent, toBinaryRequest, type WireEvent } from "./wire";

/**
 * The `cloudevents` SDK (the reference JavaScript implementation) as the interop oracle: a corpus of events
 * written by our codec and read by the SDK, and written by the SDK and read by our codec, compared attribute by
 * attribute. Where the SDK loses information, the test says so and checks that only that was lost.
 */
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const base = {
  specversion: "1.0",
  id: "0b6f0a3e-6d47-4a40-9d39-0cbd0b5c3c11",
  source: "/bazaar/order",
  type: "bazaar.order.placed",
  time: "2026-12-02T17:43:31.123Z",
  datacontenttype: "application/json",
};

interface Sample {
  name: string;
  event: WireEvent;
}

const corpus: Sample[] = [
  {
    name: "an order event",
    event: { attributes: { ...base, subject: "42" }, data: bytes('{"order_id":42}') },
  },
  {
    name: "a unicode subject",
    event: { attributes: { ...base, subject: 'Café ☕ 😀 中文 "quoted" 100%' }, data: bytes("{}") },
  },
  {
    name: "big and decimal numbers",
    event: { attributes: base, data: bytes('{"big":12345678901234567890,"price":12.50,"small":1e-7}') },
  },
  {
    name: "a sub-millisecond time",
    event: { attributes: { ...base, time: "2026-12-02T17:43:31.123456789Z" }, data: bytes("{}") },
  },
  {
    name: "binary data",
    event: {
      attributes: { ...base, datacontenttype: "application/octet-stream" },
      data: Uint8Array.from([0, 1, 127, 128, 254, 255]),
    },
  },
  {
    name: "extensions",
    event: {
      attributes: {
        ...base,
        tenant: "acme",
        priority: "3",
        urgent: "true",
        correlationid: "checkout-7",
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        signaturekey: "q2Ve0m5xMvJ3k8xX0p5o6F0b2hY1lC9t4n7u8w9yZ0A",
      },
      data: bytes('{"order_id":42}'),
    },
  },
];

const percentDecoded = (value: string): string => decodeURIComponent(value);
const hasSubMilliseconds = (time: string): boolean => /\.\d{4,}/.test(time);
const isNumberText = (data: string): boolean => /\d{16,}|\.\d*0[,}\]]|e-/i.test(data);

describe("our binary-mode writer, read by the SDK", () => {
  it.each(corpus)("$name", ({ event }) => {
    const { headers, body } = toBinaryRequest(event);
    // As an HTTP server hands the SDK a body: text for a JSON media type, bytes otherwise.
    const json = headers["content-type"] === "application/json";
    const read = HTTP.toEvent({
      headers,
      body: json ? text(body) : Buffer.from(body),
    }) as CloudEvent<unknown>;
    const ours = event.attributes;
    for (const name of ["specversion", "id", "source", "type", "datacontenttype"]) {
      expect(read[name], name).toBe(ours[name]);
    }
    for (const [name, value] of Object.entries(ours)) {
      if (["specversion", "id", "source", "type", "datacontenttype", "time", "subject"].includes(name))
        continue;
      expect(String(read[name]), name).toBe(value);
    }

    const subject = ours["subject"];
    const sent = headers["ce-subject"];
    if (subject !== undefined && sent !== subject) {
      // The SDK does not percent-decode header values (HTTP binding 3.1.3.2): it hands the encoded form on.
      expect(read.subject).toBe(sent);
      expect(percentDecoded(String(sent))).toBe(subject);
    } else {
      expect(read.subject).toBe(subject);
    }

    // The SDK keeps a time to the millisecond only: the same instant, the digits after it lost.
    const time = ours["time"] ?? "";
    expect(Date.parse(String(read.time))).toBe(Date.parse(time));
    if (hasSubMilliseconds(time)) expect(read.time).not.toBe(time);

    if (ours["datacontenttype"] === "application/json") {
      // The SDK parses JSON data into numbers: beyond 2^53, trailing zeros and exponents are not kept.
      expect(read.data).toEqual(JSON.parse(text(event.data)));
      if (isNumberText(text(event.data))) expect(JSON.stringify(read.data)).not.toBe(text(event.data));
    } else {
      expect([...(read.data as Uint8Array)]).toEqual([...event.data]);
    }
  });
});

/** The SDK's event for a corpus sample: its attributes, with JSON data as a value and binary data as bytes. */
function sdkEventOf({ event }: Sample): CloudEvent<unknown> {
  const json = event.attributes["datacontenttype"] === "application/json";
  return new CloudEvent({
    ...event.attributes,
    data: json ? (JSON.parse(text(event.data)) as unknown) : Buffer.from(event.data),
  });
}

describe("the SDK's writers, read by our codec", () => {
  it.each(corpus)("binary mode: $name", (sample) => {
    const message = HTTP.binary(sdkEventOf(sample));
    // Header values as HTTP carries them: strings (the SDK leaves numbers and booleans as they are).
    const headers = Object.fromEntries(Object.entries(message.headers).map(([n, v]) => [n, String(v)]));
    const read = readCloudEvent(headers, toBytes(message.body));
    compareAttributes(read, sample);
  });

  it.each(corpus)("structured mode: $name", (sample) => {
    const message = HTTP.structured(sdkEventOf(sample));
    const read = readCloudEvent(message.headers as Record<string, string>, toBytes(message.body));
    compareAttributes(read, sample);
  });
});

function compareAttributes(read: WireEvent, { event }: Sample): void {
  for (const [name, value] of Object.entries(event.attributes)) {
    if (name === "time") {
      // What the SDK wrote is the instant it kept (to the millisecond), and we read it as written.
      expect(Date.parse(read.attributes["time"] ?? "")).toBe(Date.parse(value));
      continue;
    }
    expect(read.attributes[name], name).toBe(value);
  }
  if (event.attributes["datacontenttype"] === "application/json") {
    expect(JSON.parse(text(read.data))).toEqual(JSON.parse(text(event.data)));
  } else {
    expect([...read.data]).toEqual([...event.data]);
  }
}

const toBytes = (body: unknown): Uint8Array =>
  typeof body === "string" ? bytes(body) : new Uint8Array(body as ArrayBufferLike);
