import { count, min } from "drizzle-orm";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Database } from "@bazaar/shared/db";
import type { OrderSchema } from "../db";
import { orders, orderStatuses } from "../db/schema";
import { isFinal } from "./state-machine";

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

/**
 * Gauges read from the database at scrape time, so they are exact and survive restarts: orders per status, and
 * for each status an order can still leave, how long the longest-waiting order has been in it. The second one
 * is what "orders stuck in a state" alerts on; a count alone cannot tell a busy shop from a stuck saga.
 */
export function registerOrderStatusMetrics(registry: Registry, database: Database<OrderSchema>): void {
  const { db } = database;
  new Gauge({
    name: "orders_by_status",
    help: "Orders currently in each status",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      const rows = await db.select({ status: orders.status, n: count() }).from(orders).groupBy(orders.status);
      for (const status of orderStatuses) this.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
    },
  });
  new Gauge({
    name: "orders_oldest_in_status_seconds",
    help: "Seconds since the longest-waiting order in a not-yet-final status last changed (0: none waiting)",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      const rows = await db
        .select({ status: orders.status, since: min(orders.updatedAt) })
        .from(orders)
        .groupBy(orders.status);
      const now = Date.now();
      for (const status of orderStatuses.filter((s) => !isFinal(s))) {
        const since = rows.find((r) => r.status === status)?.since;
        this.set({ status }, since ? Math.max(0, (now - Date.parse(since)) / 1000) : 0);
      }
    },
  });
}
