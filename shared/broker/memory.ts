import { setTimeout as sleep } from "node:timers/promises";
import { Unavailable } from "../errors";
import { matches } from "./matching";
import { logFieldsOf, type BrokerEvent } from "./message";
import { WorkQueue } from "./queue";
import type { Transport, TransportFactory } from "./transport";

/**
 * The embedded transport: per Trigger a FIFO queue worked by `parallelism` workers, and a dead-letter queue
 * with one worker, so a failing dead-letter sink holds up only the dead letters (eventing-rabbitmq runs a
 * separate DLQ dispatcher for the same reason).
 *
 * In memory means a restart loses what is queued. That is acceptable for the embedded dev mode only, and only
 * partly covered: a publisher keeps each event in its outbox until the broker answered 202, so while the
 * broker is down or restarting nothing is lost, and a SIGTERM drains the queues within the grace period; but
 * an event accepted and then caught by a crash or SIGKILL is gone (each is logged with its id at shutdown).
 * Durable queues are what the RabbitMQ transport (AMQP_URL) and the cluster's broker are for.
 */
export const createMemoryTransport: TransportFactory = ({ triggers, dispatcher, metrics, logger }) => {
  const shutdown = new AbortController();
  const { signal } = shutdown;
  const abandoned = (trigger: string, event: BrokerEvent, queue: string): void =>
    logger.warn({ trigger, queue, ...logFieldsOf(event) }, "event abandoned at shutdown");

  const lanes = triggers.map((trigger) => {
    const name = trigger.name;
    const onError = (error: unknown, event: BrokerEvent): void =>
      logger.error({ err: error, trigger: name, ...logFieldsOf(event) }, "delivery crashed; event lost");
    const deadLetters = new WorkQueue<BrokerEvent>({
      workers: 1,
      handle: async (event) => {
        if (!(await dispatcher.deadLetter(trigger, event, signal))) abandoned(name, event, "dead-letter");
      },
      onError,
      onDepth: (depth) => metrics.deadLetterQueueDepth.set({ trigger: name }, depth),
    });
    const deliveries = new WorkQueue<BrokerEvent>({
      workers: trigger.parallelism,
      handle: async (event) => {
        const result = await dispatcher.deliver(trigger, event, signal);
        if (result.outcome === "failed") deadLetters.push(result.deadLetter);
        if (result.outcome === "aborted") abandoned(name, event, "delivery");
      },
      onError,
      onDepth: (depth) => metrics.queueDepth.set({ trigger: name }, depth),
    });
    return { trigger, deliveries, deadLetters };
  });
  const depth = (): number =>
    lanes.reduce((sum, lane) => sum + lane.deliveries.depth + lane.deadLetters.depth, 0);

  metrics.transportReady.set(1);

  const transport: Transport = {
    ready: () => !signal.aborted,

    async publish(event) {
      if (signal.aborted) throw new Unavailable("the broker is shutting down");
      const matched = lanes.filter((lane) => matches(lane.trigger.filter, event.attributes));
      for (const lane of matched) lane.deliveries.push(event);
      if (matched.length > 0) {
        logger.debug({ ...logFieldsOf(event), triggers: matched.map((l) => l.trigger.name) }, "routed");
      }
      return matched.length > 0;
    },

    async close(graceMs) {
      const deadline = Date.now() + graceMs;
      // Replies published while draining join the queues, so wait for all of them to be empty at once.
      while (depth() > 0 && Date.now() < deadline) await sleep(20);
      const left = depth();
      shutdown.abort();
      metrics.transportReady.set(0);
      for (const lane of lanes) {
        for (const event of lane.deliveries.clear()) abandoned(lane.trigger.name, event, "delivery");
        for (const event of lane.deadLetters.clear()) abandoned(lane.trigger.name, event, "dead-letter");
      }
      // Aborted deliveries settle at once; wait for them so their log lines come before the exit.
      const settled = Date.now() + 500;
      while (depth() > 0 && Date.now() < settled) await sleep(10);
      return left;
    },
  };
  return transport;
};
