import { setTimeout as sleep } from "node:timers/promises";
import { Unavailable } from "@bazaar/shared/errors";
import { matches } from "./matching";
import { logFieldsOf } from "./message";
import { WorkQueue } from "./queue";
import { openQueueStore, type StoredEvent } from "./queue-store";
import type { Transport, TransportFactory } from "./transport";
import type { Trigger } from "./triggers";

export interface EmbeddedTransportOptions {
  /** The libSQL database that holds the queues: file:./data/broker.db under `npm start`. */
  url: string;
  authToken?: string | undefined;
}

type Queued = Omit<StoredEvent, "trigger">;

interface Lane {
  trigger: Trigger;
  deliveries: WorkQueue<Queued>;
  deadLetters: WorkQueue<Queued>;
}

/**
 * The embedded transport: per Trigger a FIFO queue worked by `parallelism` workers, and a dead-letter queue
 * with one worker, so a failing dead-letter sink holds up only the dead letters (eventing-rabbitmq runs a
 * separate DLQ dispatcher for the same reason).
 *
 * Durable: publish commits a row per matched Trigger to a libSQL file before it resolves (so before the
 * ingress's 202), and a row is deleted only once its event is finished, in the same commit that stores its dead
 * letter if it failed. A new process loads every row before it takes new events, so what a crash (kill -9)
 * interrupted is delivered after the restart, first and in order, with the same retries and dead letters. What
 * a crash costs: the retry count starts again from zero, and an event finished just before it may be delivered
 * once more (consumers dedupe by source and id).
 */
export function createEmbeddedTransport(options: EmbeddedTransportOptions): TransportFactory {
  return async ({ triggers, dispatcher, metrics, logger }) => {
    const store = await openQueueStore(options, logger);
    const shutdown = new AbortController();
    const { signal } = shutdown;

    const laneOf = (trigger: Trigger): Lane => {
      const name = trigger.name;
      const onError = (error: unknown, { event }: Queued): void =>
        logger.error(
          { err: error, trigger: name, ...logFieldsOf(event) },
          "delivery crashed; the event stays on disk and is delivered at the next start",
        );
      const deadLetters = new WorkQueue<Queued>({
        workers: 1,
        handle: async ({ id, event }) => {
          if (await dispatcher.deadLetter(trigger, event, signal)) store.deadLettered(id);
        },
        onError,
        onDepth: (depth) => metrics.deadLetterQueueDepth.set({ trigger: name }, depth),
      });
      const deliveries = new WorkQueue<Queued>({
        workers: trigger.parallelism,
        handle: async ({ id, event }) => {
          const result = await dispatcher.deliver(trigger, event, signal);
          if (result.outcome === "delivered") store.delivered(id);
          if (result.outcome === "failed") {
            await store.deadLetter(id, name, result.deadLetter, (deadLetterId) => {
              if (!signal.aborted) deadLetters.push({ id: deadLetterId, event: result.deadLetter });
            });
          }
          // Aborted by shutdown: the row stays for the next start.
        },
        onError,
        onDepth: (depth) => metrics.queueDepth.set({ trigger: name }, depth),
      });
      return { trigger, deliveries, deadLetters };
    };
    const lanes = triggers.map(laneOf);
    const lanesByName = new Map(lanes.map((lane) => [lane.trigger.name, lane]));
    const depth = (): number =>
      lanes.reduce((sum, lane) => sum + lane.deliveries.depth + lane.deadLetters.depth, 0);

    // What an earlier process accepted and did not finish goes first, before any new event.
    const stored = await store.load();
    const orphans = new Map<string, number>();
    const resume = (rows: StoredEvent[], queueOf: (lane: Lane) => WorkQueue<Queued>): void => {
      for (const { trigger, ...row } of rows) {
        const lane = lanesByName.get(trigger);
        if (lane) queueOf(lane).push(row);
        else orphans.set(trigger, (orphans.get(trigger) ?? 0) + 1);
      }
    };
    resume(stored.deliveries, (lane) => lane.deliveries);
    resume(stored.deadLetters, (lane) => lane.deadLetters);
    if (stored.deliveries.length + stored.deadLetters.length > 0) {
      logger.info(
        { deliveries: stored.deliveries.length, dead_letters: stored.deadLetters.length },
        "resuming the events an earlier broker process accepted and did not finish",
      );
    }
    if (orphans.size > 0) {
      // As RabbitMQ keeps the queue of a Trigger that went away: nothing is deleted, nothing delivered.
      logger.warn(
        { triggers: Object.fromEntries(orphans) },
        "events on disk for Triggers this broker no longer has: kept, not delivered",
      );
    }
    metrics.transportReady.set(1);

    let closing: Promise<number> | undefined;
    const transport: Transport = {
      ready: () => !signal.aborted,

      async publish(event) {
        if (signal.aborted) throw new Unavailable("the broker is shutting down");
        const matched = triggers.filter((trigger) => matches(trigger.filter, event.attributes));
        if (matched.length === 0) return false;
        // Queued right after the commit, in commit order: the order in which a restart would load them.
        await store.accept(
          matched.map((trigger) => trigger.name),
          event,
          (rows) => {
            if (signal.aborted) return; // on disk: the next start delivers it
            for (const { id, trigger } of rows) lanesByName.get(trigger)?.deliveries.push({ id, event });
          },
        );
        logger.debug({ ...logFieldsOf(event), triggers: matched.map((t) => t.name) }, "routed");
        return true;
      },

      close: (graceMs) => (closing ??= drain(graceMs)),
    };

    async function drain(graceMs: number): Promise<number> {
      const deadline = Date.now() + graceMs;
      // Replies published while draining join the queues, so wait for all of them to be empty at once.
      while (depth() > 0 && Date.now() < deadline) await sleep(20);
      shutdown.abort();
      metrics.transportReady.set(0);
      for (const lane of lanes) {
        lane.deliveries.clear();
        lane.deadLetters.clear();
      }
      // Aborted deliveries settle at once; wait for them so that the store closes after their last write.
      const settled = Date.now() + 500;
      while (depth() > 0 && Date.now() < settled) await sleep(10);
      const left = await store.close();
      if (left > 0) {
        logger.warn(
          { events: left },
          "stopped before every accepted event was delivered: they stay on disk, and the next start delivers them",
        );
      }
      return 0; // nothing abandoned
    }
    return transport;
  };
}
