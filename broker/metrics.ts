import { Counter, Gauge, type Registry } from "prom-client";
import type { Trigger } from "./triggers";

export type DeliveryOutcome = "delivered" | "retried" | "dead_lettered";

/** What the broker counts, on the same registry as the ingress's HTTP metrics. */
export interface BrokerMetrics {
  ingested: Counter<"type">;
  unrouted: Counter<"type">;
  /** delivered: the subscriber took it; retried: one failed attempt that will be tried again; dead_lettered: the sink stored it. */
  deliveries: Counter<"trigger" | "outcome">;
  /** Failed POSTs to a dead-letter sink (each is retried: nothing is dropped). */
  deadLetterFailures: Counter<"trigger">;
  /** Events waiting or in flight per Trigger queue (RabbitMQ: ready + unacked). */
  queueDepth: Gauge<"trigger">;
  deadLetterQueueDepth: Gauge<"trigger">;
  /** 1 while the transport can take events (RabbitMQ: connected, topology declared, consuming). */
  transportReady: Gauge;
  /** Times the RabbitMQ transport got its connection back after losing it. */
  reconnects: Counter;
}

export function createBrokerMetrics(registry: Registry, triggers: Trigger[]): BrokerMetrics {
  const registers = [registry];
  const metrics: BrokerMetrics = {
    ingested: new Counter({
      name: "broker_events_ingested_total",
      help: "CloudEvents accepted by the broker ingress (replies included)",
      labelNames: ["type"],
      registers,
    }),
    unrouted: new Counter({
      name: "broker_events_unrouted_total",
      help: "Accepted CloudEvents that no Trigger matched",
      labelNames: ["type"],
      registers,
    }),
    deliveries: new Counter({
      name: "broker_deliveries_total",
      help: "Delivery attempts by Trigger and outcome",
      labelNames: ["trigger", "outcome"],
      registers,
    }),
    deadLetterFailures: new Counter({
      name: "broker_dead_letter_failures_total",
      help: "Failed POSTs to a dead-letter sink (retried until it accepts)",
      labelNames: ["trigger"],
      registers,
    }),
    queueDepth: new Gauge({
      name: "broker_queue_depth",
      help: "Events waiting or in flight in a Trigger's queue",
      labelNames: ["trigger"],
      registers,
    }),
    deadLetterQueueDepth: new Gauge({
      name: "broker_dead_letter_queue_depth",
      help: "Dead letters waiting or in flight to a Trigger's dead-letter sink",
      labelNames: ["trigger"],
      registers,
    }),
    transportReady: new Gauge({
      name: "broker_transport_ready",
      help: "1 while the broker can take events (RabbitMQ: connected and consuming), else 0",
      registers,
    }),
    reconnects: new Counter({
      name: "broker_transport_reconnects_total",
      help: "Times the broker reconnected to RabbitMQ after losing the connection",
      registers,
    }),
  };
  // Every series exists from the start, so dashboards and rate() see zeros rather than gaps.
  for (const { name: trigger } of triggers) {
    for (const outcome of ["delivered", "retried", "dead_lettered"] satisfies DeliveryOutcome[]) {
      metrics.deliveries.inc({ trigger, outcome }, 0);
    }
    metrics.deadLetterFailures.inc({ trigger }, 0);
    metrics.queueDepth.set({ trigger }, 0);
    metrics.deadLetterQueueDepth.set({ trigger }, 0);
  }
  return metrics;
}
