import type { Channel } from "amqplib";
import type { Trigger } from "../triggers";
import type { Names } from "./naming";

/** Quorum (the RabbitmqBrokerConfig default, replicated) or classic queues. */
export type QueueType = "quorum" | "classic";

/**
 * The binding of a Trigger's queue, as eventing-rabbitmq makes it: every filter attribute must equal the
 * message header of the same name (`x-match: all`); `x-` keys are not matched, so the Trigger's name rides
 * along for an operator. No filter: only `x-match`, which matches every message.
 */
export const bindingArguments = (trigger: Trigger): Record<string, string> => ({
  ...trigger.filter,
  "x-match": "all",
  "x-knative-trigger": trigger.name,
});

/**
 * Declares (idempotently, so it runs again after every reconnect) the broker's exchanges, the parked queue,
 * and per Trigger its queue, binding and dead-letter queue. Everything is durable. A queue whose messages
 * RabbitMQ itself dead-letters (a reject without requeue, or RabbitMQ 4's quorum delivery limit for a message
 * redelivered over and over) sends them to the parked queue, not into the void.
 *
 * A binding is never removed here: RabbitMQ cannot list them over AMQP. Like Knative, which makes a Trigger's
 * filter immutable, change a filter by renaming the Trigger, and delete the queue of a removed Trigger
 * (`rabbitmqctl delete_queue bazaar.<broker>.<trigger>`), or it keeps collecting events.
 */
export async function declareTopology(
  channel: Channel,
  names: Names,
  triggers: readonly Trigger[],
  queueType: QueueType,
): Promise<void> {
  const queue = (name: string) =>
    channel.assertQueue(name, {
      durable: true,
      arguments: {
        "x-queue-type": queueType,
        "x-dead-letter-exchange": names.deadLetterExchange,
        "x-dead-letter-routing-key": names.parkedKey,
      },
    });
  await Promise.all([
    channel.assertExchange(names.exchange, "headers", { durable: true }),
    channel.assertExchange(names.deadLetterExchange, "direct", { durable: true }),
  ]);
  await channel.assertQueue(names.parked, { durable: true, arguments: { "x-queue-type": queueType } });
  await channel.bindQueue(names.parked, names.deadLetterExchange, names.parkedKey);
  // One round trip per step for all Triggers at once: a quorum queue takes a while to create.
  await Promise.all(
    triggers.flatMap((t) => [queue(names.queue(t.name)), queue(names.deadLetterQueue(t.name))]),
  );
  await Promise.all(
    triggers.flatMap((t) => [
      channel.bindQueue(names.queue(t.name), names.exchange, "", bindingArguments(t)),
      channel.bindQueue(names.deadLetterQueue(t.name), names.deadLetterExchange, t.name),
    ]),
  );
}

/** Deletes everything declareTopology made, messages included (tests; retiring a broker). */
export async function deleteTopology(
  channel: Channel,
  names: Names,
  triggers: readonly Trigger[],
): Promise<void> {
  await Promise.all(
    triggers.flatMap((t) => [
      channel.deleteQueue(names.queue(t.name)),
      channel.deleteQueue(names.deadLetterQueue(t.name)),
    ]),
  );
  await channel.deleteQueue(names.parked);
  await Promise.all([
    channel.deleteExchange(names.exchange),
    channel.deleteExchange(names.deadLetterExchange),
  ]);
}
