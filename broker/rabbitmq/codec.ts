import type { Message, Options } from "amqplib";
import { Invalid } from "@bazaar/shared/errors";
import { checkAttributes } from "@bazaar/shared/events";
import type { BrokerEvent } from "../message";

/**
 * Tells a returned (unroutable) message from the others on the publishing channel. An `x-` header: RabbitMQ's
 * headers exchange ignores those when matching, and it is not a CloudEvent attribute name, so it never reaches
 * a subscriber.
 */
export const PUBLISH_ID_HEADER = "x-bazaar-publish-id";

const ATTRIBUTE_NAME = /^[a-z0-9]+$/;

/**
 * A CloudEvent as eventing-rabbitmq stores it: every attribute and extension an AMQP header (so a headers
 * exchange can route on them), the data as the body, persistent. The AMQP properties repeat id, type and
 * content type for an operator looking at a message; the headers are what the broker reads back.
 */
export function toMessage(
  event: BrokerEvent,
  publishId: string,
): { content: Buffer; options: Options.Publish } {
  const { id, type, datacontenttype } = event.attributes;
  return {
    content: Buffer.from(event.data.buffer, event.data.byteOffset, event.data.byteLength),
    options: {
      headers: { ...event.attributes, [PUBLISH_ID_HEADER]: publishId },
      persistent: true,
      messageId: id,
      type,
      ...(datacontenttype ? { contentType: datacontenttype } : {}),
      timestamp: Math.floor(Date.now() / 1000),
      appId: "bazaar-broker",
    },
  };
}

/** Reads a message back; one that is not a CloudEvent the broker could have stored is an Invalid error. */
export function fromMessage(message: Message): BrokerEvent {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.properties.headers ?? {})) {
    if (!ATTRIBUTE_NAME.test(name)) continue; // x-death, the publish id and other AMQP bookkeeping
    const text = headerText(value);
    if (text === undefined) throw new Invalid(`header ${name} is not a string`);
    attributes[name] = text;
  }
  checkAttributes(attributes);
  return { attributes, data: new Uint8Array(message.content) };
}

/** Strings come back as strings; a message published by hand may carry numbers, booleans or bytes. */
function headerText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return undefined;
}
