import { randomUUID } from "node:crypto";
import type { ChannelModel, ConfirmChannel, Message } from "amqplib";
import { PayloadTooLarge, Unavailable } from "@bazaar/shared/errors";
import type { BrokerEvent } from "../message";
import { PUBLISH_ID_HEADER, toMessage } from "./codec";

export interface Publisher {
  readonly channel: ConfirmChannel;
  /**
   * Publishes persistently and mandatory, resolving once RabbitMQ confirmed it: true when at least one queue
   * took it, false when it was returned unroutable. Rejects with Unavailable when RabbitMQ nacked it, the
   * channel closed first, or no confirm came in time; with PayloadTooLarge when its attributes do not fit in AMQP headers.
   */
  publish(exchange: string, routingKey: string, event: BrokerEvent): Promise<boolean>;
}

/**
 * Below the publishers' own HTTP timeout (the outbox relay gives up after 5 s), so they hear a 503 and retry
 * rather than time out on an event that might still be confirmed.
 */
const CONFIRM_TIMEOUT_MS = 3000;

/** One confirm channel for every publish: ingress events, replies and dead letters. */
export async function openPublisher(connection: ChannelModel): Promise<Publisher> {
  const channel = await connection.createConfirmChannel();
  // RabbitMQ sends basic.return before the confirm of the same message, so a return is known by then.
  const returned = new Set<string>();
  channel.on("return", (message: Message) => {
    const id: unknown = message.properties.headers?.[PUBLISH_ID_HEADER];
    if (typeof id === "string") returned.add(id);
  });

  return {
    channel,
    publish(exchange, routingKey, event) {
      const publishId = randomUUID();
      const { content, options } = toMessage(event, publishId);
      return new Promise<boolean>((resolve, reject) => {
        const unavailable = (why: string) =>
          new Unavailable(`RabbitMQ did not take the event (${why}); retry`, { retryAfterSeconds: 1 });
        const timer = setTimeout(() => {
          returned.delete(publishId);
          reject(unavailable(`no confirm within ${CONFIRM_TIMEOUT_MS} ms`));
        }, CONFIRM_TIMEOUT_MS);
        const confirmed = (error: unknown): void => {
          clearTimeout(timer);
          const wasReturned = returned.delete(publishId);
          if (error) reject(unavailable(describe(error)));
          else resolve(!wasReturned);
        };
        try {
          channel.publish(exchange, routingKey, content, { ...options, mandatory: true }, confirmed);
        } catch (error) {
          clearTimeout(timer);
          reject(refusal(error));
        }
      });
    },
  };
}

/** publish throws at once for a closed channel, or for headers beyond AMQP's 64 KiB field table. */
function refusal(error: unknown): Error {
  if (error instanceof RangeError) {
    return new PayloadTooLarge(
      "the event's attributes are too large to travel as AMQP headers (64 KiB at most)",
    );
  }
  return new Unavailable(`not connected to RabbitMQ (${describe(error)}); retry`, { retryAfterSeconds: 1 });
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
