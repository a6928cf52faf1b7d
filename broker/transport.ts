import type { Logger } from "pino";
import type { Dispatcher } from "./dispatcher";
import type { BrokerEvent } from "./message";
import type { BrokerMetrics } from "./metrics";
import type { Trigger } from "./triggers";

/**
 * Where the broker keeps events between the ingress and the dispatcher: in a libSQL file (embedded.ts: work
 * queues in memory, every row on disk until finished) or in RabbitMQ (rabbitmq/: a headers exchange, one queue
 * per Trigger bound by its filter attributes, consumers that call the same dispatcher). Everything else in
 * broker/ is the same for both.
 */
export interface Transport {
  /**
   * Puts the event on the queue of every Trigger whose filter matches, resolving once it is stored (embedded:
   * committed; RabbitMQ: publisher-confirmed). False when no Trigger matched (RabbitMQ: a mandatory publish
   * returned).
   */
  publish(event: BrokerEvent): Promise<boolean>;
  /** Whether publish can succeed now (RabbitMQ: connected and consuming); the ingress's readiness. */
  ready(): boolean;
  /**
   * Stops consuming: in-flight deliveries (embedded: and queued events) get up to graceMs to finish, then the
   * rest is cut short. Resolves with how many events were lost: 0 for both transports, which keep whatever was
   * not finished (on disk, in RabbitMQ) and deliver it from the next broker process.
   */
  close(graceMs: number): Promise<number>;
}

export interface TransportDeps {
  triggers: Trigger[];
  dispatcher: Dispatcher;
  metrics: BrokerMetrics;
  logger: Logger;
}

export type TransportFactory = (deps: TransportDeps) => Transport | Promise<Transport>;
