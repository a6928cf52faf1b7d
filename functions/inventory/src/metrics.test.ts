import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "@bazaar/shared/observability";
import { ensureDemoCatalog } from "./domain/demo-catalog";
import { registerInventoryMetrics } from "./metrics";
import { createTestInventory, type TestInventory } from "./testing";

const placed = (order_id: number, quantity: number) => ({
  order_id,
  customer_id: 1,
  items: [{ product_id: 1, quantity, unit_price_cents: 1 }],
  total_cents: quantity,
  payment_method: "tok_visa",
  shipping_address: null,
});

describe("inventory metrics", () => {
  let kit: TestInventory;
  beforeEach(async () => {
    kit = await createTestInventory();
    await ensureDemoCatalog(kit.database, createLogger("test", "silent"));
    registerInventoryMetrics(kit.metrics.registry, kit.database);
  });
  afterEach(() => kit.close());

  it("exports orders by reservation outcome and stock units, read from the database", async () => {
    await kit.deliver("bazaar.order.placed", placed(1, 2)); // held
    await kit.deliver("bazaar.order.placed", placed(2, 1)); // committed below
    const { payment_method: _, ...confirmed } = placed(2, 1);
    await kit.deliver("bazaar.order.confirmed", confirmed);
    await kit.deliver("bazaar.order.placed", placed(3, 500)); // rejected
    await kit.deliver("bazaar.order.cancelled", {
      order_id: 4,
      customer_id: 1,
      reason: "changed mind",
      previous_status: "pending",
    }); // tombstone

    const text = await (await kit.request("GET", "/metrics")).text();
    const value = (series: string) =>
      Number(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1]);
    expect(value('inventory_reservation_orders{outcome="held",service="inventory"}')).toBe(1);
    expect(value('inventory_reservation_orders{outcome="committed",service="inventory"}')).toBe(1);
    expect(value('inventory_reservation_orders{outcome="rejected",service="inventory"}')).toBe(1);
    expect(value('inventory_reservation_orders{outcome="cancelled_before_placed",service="inventory"}')).toBe(
      1,
    );
    expect(value('inventory_stock_units{state="reserved",service="inventory"}')).toBe(2);
    expect(value('inventory_stock_units{state="sold",service="inventory"}')).toBe(1);
    expect(value('inventory_stock_units{state="on_hand",service="inventory"}')).toBe(574);
    expect(value('inventory_stock_units{state="available",service="inventory"}')).toBe(572);
  });
});
