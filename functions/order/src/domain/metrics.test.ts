import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestKit, type TestKit } from "@bazaar/shared/testing";
import { migrationsFolder, schema, type OrderSchema } from "../db";
import { orders, type OrderStatus } from "../db/schema";
import { registerOrderStatusMetrics } from "./metrics";

describe("order status metrics", () => {
  let kit: TestKit<OrderSchema>;
  beforeEach(async () => {
    kit = await createTestKit({ service: "order", schema, migrationsFolder });
    registerOrderStatusMetrics(kit.metrics.registry, kit.database);
  });
  afterEach(() => kit.close());

  const addOrder = (status: OrderStatus, secondsAgo: number) => {
    const at = new Date(Date.now() - secondsAgo * 1000).toISOString();
    return kit.database.write((tx) =>
      tx.insert(orders).values({
        customerId: 1,
        status,
        totalCents: 100,
        paymentMethod: "tok_visa",
        createdAt: at,
        updatedAt: at,
        placedAtMs: Date.now(),
      }),
    );
  };
  const scrape = async () => {
    const text = await kit.metrics.registry.metrics();
    return (series: string): number =>
      Number(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1]);
  };

  it("counts orders per status, zero for a status nobody is in", async () => {
    await addOrder("pending", 1);
    await addOrder("pending", 2);
    await addOrder("confirmed", 3);
    const value = await scrape();
    expect(value('orders_by_status{status="pending",service="order"}')).toBe(2);
    expect(value('orders_by_status{status="confirmed",service="order"}')).toBe(1);
    expect(value('orders_by_status{status="cancelled",service="order"}')).toBe(0);
  });

  it("shows how long the longest-waiting order has been in each status it can still leave", async () => {
    await addOrder("awaiting_payment", 600);
    await addOrder("awaiting_payment", 5);
    await addOrder("delivered", 9999);
    const value = await scrape();
    expect(value('orders_oldest_in_status_seconds{status="awaiting_payment",service="order"}')).toBeCloseTo(
      600,
      -1,
    );
    expect(value('orders_oldest_in_status_seconds{status="pending",service="order"}')).toBe(0);
    // A final status is where orders are meant to stay: no series, so no alert can misfire on it.
    expect(Number.isNaN(value('orders_oldest_in_status_seconds{status="delivered",service="order"}'))).toBe(
      true,
    );
  });
});
