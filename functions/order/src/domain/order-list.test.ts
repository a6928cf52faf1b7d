import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@bazaar/shared/db";
import { migrationsFolder, schema, type OrderSchema } from "../db";
import { orderItems, orders, type OrderStatus } from "../db/schema";
import { listOrders, type OrderListQuery } from "./order-list";

const folder = mkdtempSync(join(tmpdir(), "bazaar-order-list-"));
let database: Database<OrderSchema>;
const at = "2026-12-03T09:00:00.000Z";

/** Orders 1-6: customers 1, 2, 1, 2, 1, 2; every third one cancelled; order n has n lines. */
beforeAll(async () => {
  database = await openDatabase({ url: `file:${join(folder, "order.db")}`, schema, migrationsFolder });
  for (let n = 1; n <= 6; n += 1) {
    const status: OrderStatus = n % 3 === 0 ? "cancelled" : "confirmed";
    const [order] = await database.db
      .insert(orders)
      .values({
        customerId: 2 - (n % 2),
        status,
        totalCents: n * 100,
        paymentMethod: "card",
        createdAt: at,
        updatedAt: at,
        placedAtMs: n,
      })
      .returning();
    const lines = Array.from({ length: n }, (_, i) => ({
      orderId: order?.id ?? 0,
      productId: i + 1,
      productName: `product ${i + 1}`,
      quantity: 1,
      unitPriceCents: 100,
    }));
    await database.db.insert(orderItems).values(lines);
  }
});
afterAll(async () => {
  await database.close();
  rmSync(folder, { recursive: true, force: true });
});

const list = (query: Partial<OrderListQuery>) =>
  listOrders(database.db, { customerId: undefined, status: undefined, limit: 20, page: 1, ...query });
const ids = (answer: Awaited<ReturnType<typeof list>>) => answer.orders.map((order) => order.id);

describe("listOrders", () => {
  it("filters by customer, by status, by both and by neither, each shape with its own statements", async () => {
    expect(ids(await list({}))).toEqual([6, 5, 4, 3, 2, 1]);
    expect(ids(await list({ customerId: 1 }))).toEqual([5, 3, 1]);
    expect(ids(await list({ status: "cancelled" }))).toEqual([6, 3]);
    expect(ids(await list({ customerId: 2, status: "confirmed" }))).toEqual([4, 2]);
    // The first shape again, after the others were prepared.
    expect((await list({})).total).toBe(6);
  });

  it("pages newest first and counts every match, with each order's own lines", async () => {
    const second = await list({ limit: 2, page: 2 });
    expect(ids(second)).toEqual([4, 3]);
    expect(second.total).toBe(6);
    expect(second.orders.map((order) => order.items.length)).toEqual([4, 3]);
    expect(await list({ customerId: 3 })).toEqual({ orders: [], total: 0 });
  });
});
