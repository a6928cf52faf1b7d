import { count, countDistinct, sum } from "drizzle-orm";
import { Gauge, type Registry } from "prom-client";
import type { Database } from "@bazaar/shared/db";
import type { InventorySchema } from "./db";
import { orderTombstones, products, reservations } from "./db/schema";

/**
 * Business gauges read from the database at scrape time, so they are exact and survive restarts:
 * orders by reservation outcome, and units of stock by state.
 */
export function registerInventoryMetrics(registry: Registry, database: Database<InventorySchema>): void {
  const { db } = database;
  new Gauge({
    name: "inventory_reservation_orders",
    help: "Orders by reservation outcome: held, committed, released, rejected, cancelled_before_placed",
    labelNames: ["outcome"],
    registers: [registry],
    async collect() {
      const byStatus = await db
        .select({ outcome: reservations.status, n: countDistinct(reservations.orderId) })
        .from(reservations)
        .groupBy(reservations.status);
      const byTombstone = await db
        .select({ kind: orderTombstones.kind, n: count() })
        .from(orderTombstones)
        .groupBy(orderTombstones.kind);
      const counts: Record<string, number> = {
        held: 0,
        committed: 0,
        released: 0,
        rejected: 0,
        cancelled_before_placed: 0,
      };
      for (const row of byStatus) counts[row.outcome] = row.n;
      for (const row of byTombstone)
        counts[row.kind === "cancelled" ? "cancelled_before_placed" : row.kind] = row.n;
      for (const [outcome, n] of Object.entries(counts)) this.set({ outcome }, n);
    },
  });
  new Gauge({
    name: "inventory_stock_units",
    help: "Units of stock over all products: on_hand, reserved, available, sold",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const [totals] = await db
        .select({
          onHand: sum(products.quantity),
          reserved: sum(products.reserved),
          sold: sum(products.sold),
        })
        .from(products);
      const onHand = Number(totals?.onHand ?? 0);
      const reserved = Number(totals?.reserved ?? 0);
      this.set({ state: "on_hand" }, onHand);
      this.set({ state: "reserved" }, reserved);
      this.set({ state: "available" }, onHand - reserved);
      this.set({ state: "sold" }, Number(totals?.sold ?? 0));
    },
  });
}
