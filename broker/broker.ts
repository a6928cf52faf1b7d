import type { Logger } from "pino";
import type { Metrics } from "@bazaar/shared/observability";
import { createDispatcher } from "./dispatcher";
import { logFieldsOf, type BrokerEvent } from "./message";
import { createBrokerMetrics } from "./metrics";
import type { TransportFactory } from "./transport";
import type { Trigger } from "./triggers";

export interface BrokerOptions {
  triggers: Trigger[];
  logger: Logger;
  /** The process's metrics; the broker adds its own to the same registry. */
  metrics: Metrics;
  /** Per-request delivery timeout for Triggers whose delivery sets none. */
  deliveryTimeoutMs: number;
  /** Where events wait between ingress and delivery: a libSQL file (embedded.ts) or RabbitMQ. */
  transport: TransportFactory;
}

export interface Broker {
  readonly triggers: readonly Trigger[];
  /** Whether the transport can take events now (RabbitMQ: connected). */
  ready(): boolean;
  /** Routes one event to every matching Trigger; resolves once the transport stored it. */
  publish(event: BrokerEvent): Promise<void>;
  /** Drains (see Transport.close); resolves with how many events were abandoned (lost). */
  close(graceMs: number): Promise<number>;
}

/** The broker minus its HTTP face: Triggers, a dispatcher, a transport, and the routing counters. */
export async function createBroker(options: BrokerOptions): Promise<Broker> {
  const { triggers, logger } = options;
  const metrics = createBrokerMetrics(options.metrics.registry, triggers);
  // Replies re-enter through publish, exactly like events posted to the ingress.
  const dispatcher = createDispatcher({ logger, metrics, timeoutMs: options.deliveryTimeoutMs, publish });
  const transport = await options.transport({
    triggers,
    dispatcher,
    metrics,
    logger,
  });

  async function publish(event: BrokerEvent): Promise<void> {
    const type = event.attributes["type"] ?? "";
    const routed = await transport.publish(event);
    metrics.ingested.inc({ type });
    if (!routed) {
      metrics.unrouted.inc({ type });
      logger.warn(
        logFieldsOf(event),
        "no Trigger matches this event: accepted and dropped, as a Knative broker does",
      );
    }
  }

  return {
    triggers,
    publish,
    ready: () => transport.ready(),
    close: (graceMs) => transport.close(graceMs),
  };
}
