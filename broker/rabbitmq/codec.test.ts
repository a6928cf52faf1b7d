import type { Message } from "amqplib";
import { describe, expect, it } from "vitest";
import { Invalid } from "@bazaar/shared/errors";
import { readCloudEvent } from "@bazaar/shared/events";
import { fromMessage, PUBLISH_ID_HEADER, toMessage } from "./codec";

const event = readCloudEvent(
  {
    "ce-specversion": "1.0",
    "ce-id": "e-1",
    "ce-source": "/bazaar/order",
    "ce-type": "bazaar.order.placed",
    "ce-subject": "42",
    "ce-tenant": "acme",
    "content-type": "application/json",
  },
  new TextEncoder().encode('{"order_id":42,  "spacing":"kept"}'),
);

/** What amqplib hands a consumer: the published content and headers, plus delivery bookkeeping. */
const delivered = (headers: Record<string, unknown>, content: Buffer): Message =>
  ({ content, fields: {}, properties: { headers } }) as unknown as Message;

describe("toMessage", () => {
  it("carries every attribute as a header, persistent, with the data bytes as the body", () => {
    const { content, options } = toMessage(event, "p-1");
    expect(options.headers).toEqual({ ...event.attributes, [PUBLISH_ID_HEADER]: "p-1" });
    expect(options).toMatchObject({
      persistent: true,
      messageId: "e-1",
      type: "bazaar.order.placed",
      contentType: "application/json",
    });
    expect(content.toString()).toBe('{"order_id":42,  "spacing":"kept"}');
  });
});

describe("fromMessage", () => {
  it("reads back exactly the event that was published", () => {
    const { content, options } = toMessage(event, "p-1");
    expect(fromMessage(delivered(options.headers, content))).toEqual(event);
  });

  it("skips AMQP bookkeeping headers and reads values a hand-made message may carry", () => {
    const read = fromMessage(
      delivered(
        {
          specversion: "1.0",
          id: "e-2",
          source: "/by/hand",
          type: "x.placed",
          priority: 3,
          urgent: true,
          region: Buffer.from("eu"),
          "x-death": [{ count: 1 }],
          [PUBLISH_ID_HEADER]: "p-2",
        },
        Buffer.from(""),
      ),
    );
    expect(read.attributes).toEqual({
      specversion: "1.0",
      id: "e-2",
      source: "/by/hand",
      type: "x.placed",
      priority: "3",
      urgent: "true",
      region: "eu",
    });
  });

  it("refuses a message that is not a CloudEvent", () => {
    expect(() => fromMessage(delivered({ type: "x.placed" }, Buffer.from("junk")))).toThrow(Invalid);
    expect(() =>
      fromMessage(
        delivered({ specversion: "1.0", id: "1", source: "/s", type: "t", odd: { a: 1 } }, Buffer.from("")),
      ),
    ).toThrow(/odd is not a string/);
  });
});
