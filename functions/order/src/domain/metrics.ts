import { Counter, Histogram, type Registry } from "prom-client";

export interface OrderMetrics {
  outcomes: Counter<"outcome">;
  placedToConfirmed: Histogram;
}

/** Saga business metrics: how orders end, and how long a customer waits for a confirmation. */
export function createOrderMetrics(registry: Registry): OrderMetrics {
  return {
    outcomes: new Counter({
      name: "orders_total",
      help: "Orders by outcome (placed, confirmed, rejected, cancelled, delivered)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    placedToConfirmed: new Histogram({
      name: "order_placed_to_confirmed_seconds",
      help: "Time from placing an order to its confirmation",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}
