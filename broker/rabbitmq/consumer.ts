import type { Channel, ConsumeMessage } from "amqplib";
import type { Logger } from "pino";
import type { Dispatcher } from "../dispatcher";
import { logFieldsOf, type BrokerEvent } from "../message";
import type { Trigger } from "../triggers";
import { fromMessage } from "./codec";
import type { InFlight } from "./in-flight";
import type { Names } from "./naming";

export interface ConsumerDeps {
  dispatcher: Dispatcher;
  names: Names;
  logger: Logger;
  inFlight: InFlight;
  /**
   * Aborted when the shutdown grace period is over or the channel's connection is lost: deliveries stop and
   * their messages go back to RabbitMQ.
   */
  signal: AbortSignal;
  /** Puts a failed event on the Trigger's dead-letter queue; rejects when RabbitMQ did not confirm it. */
  deadLetter(trigger: Trigger, event: BrokerEvent): Promise<void>;
  /** RabbitMQ cancelled a consumer (say, its queue was deleted): the transport reconnects and redeclares. */
  onCancelled(queue: string): void;
}

/** What happens to a message: done, back to its queue for another try, or off to the parked queue. */
type Settlement = "ack" | "requeue" | "park";

/**
 * Consumes one Trigger's queue and its dead-letter queue on one channel, with eventing-rabbitmq's two
 * dispatchers in one: `parallelism` deliveries at a time from the queue (the prefetch), retried in-process by
 * the shared dispatcher, and one dead letter at a time to the sink, so a failing sink holds up only the dead
 * letters. A message is acked only once it was delivered or its dead letter was confirmed by RabbitMQ; until
 * then a crash or a lost connection makes RabbitMQ redeliver it (at least once; subscribers dedupe on
 * (source, id)). Resolves with the consumer tags.
 */
export async function consumeTrigger(
  channel: Channel,
  trigger: Trigger,
  deps: ConsumerDeps,
): Promise<string[]> {
  const { dispatcher, names, signal } = deps;
  const queue = names.queue(trigger.name);
  const deadLetterQueue = names.deadLetterQueue(trigger.name);
  const logger = deps.logger.child({ trigger: trigger.name });

  const settle = (message: ConsumeMessage, how: Settlement, event?: BrokerEvent): void => {
    try {
      if (how === "ack") channel.ack(message);
      else channel.nack(message, false, how === "requeue");
    } catch {
      // The channel went down with its connection; RabbitMQ redelivers the message on the next one.
      const fields = event ? logFieldsOf(event) : {};
      logger.info(
        { ...fields, settlement: how },
        "the channel closed before the message was settled; it will be redelivered",
      );
    }
  };

  const read = (message: ConsumeMessage, from: string): BrokerEvent | undefined => {
    try {
      return fromMessage(message);
    } catch (error) {
      logger.error(
        { err: error, queue: from, message_id: message.properties.messageId, parked: names.parked },
        "a message in the queue is not a CloudEvent; it is parked for an operator",
      );
      return undefined;
    }
  };

  async function deliver(message: ConsumeMessage): Promise<void> {
    const event = read(message, queue);
    if (!event) return settle(message, "park");
    if (message.fields.redelivered) {
      logger.info(logFieldsOf(event), "delivering again what a lost connection or a crash left unacked");
    }
    const result = await dispatcher.deliver(trigger, event, signal);
    if (result.outcome === "delivered") return settle(message, "ack", event);
    if (result.outcome === "aborted") return settle(message, "requeue", event);
    try {
      await deps.deadLetter(trigger, result.deadLetter);
      settle(message, "ack", event);
    } catch (error) {
      logger.error(
        { err: error, ...logFieldsOf(event) },
        "the failed event could not be put on its dead-letter queue; it goes back on its queue",
      );
      settle(message, "requeue", event);
    }
  }

  async function sendDeadLetter(message: ConsumeMessage): Promise<void> {
    const event = read(message, deadLetterQueue);
    if (!event) return settle(message, "park");
    const stored = await dispatcher.deadLetter(trigger, event, signal); // false: shutdown or connection lost
    settle(message, stored ? "ack" : "requeue", event);
  }

  const consume = async (from: string, prefetch: number, handle: (m: ConsumeMessage) => Promise<void>) => {
    // A per-consumer limit (global = false) on the consumer started next: this is what bounds the workers.
    await channel.prefetch(prefetch);
    const { consumerTag } = await channel.consume(from, (message) => {
      if (!message) return deps.onCancelled(from);
      void deps.inFlight
        .track(from, () => handle(message))
        .catch((error: unknown) => {
          logger.error(
            { err: error, queue: from },
            "handling a message crashed; it is parked for an operator",
          );
          settle(message, "park");
        });
    });
    return consumerTag;
  };

  return [
    await consume(queue, trigger.parallelism, deliver),
    await consume(deadLetterQueue, 1, sendDeadLetter),
  ];
}
