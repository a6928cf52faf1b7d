import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@bazaar/shared/db";
import { migrationsFolder, schema, type OrderSchema } from "../db";
import { orderItems, orders, type OrderStatus } from "../db/schema";
import { orderListJson, type OrderListQuery } from "./order-list";
import { findOrder, itemsOf, orderView } from "./orders";

const folder = mkdtempSync(join(tmpdir(), "bazaar-order-list-"));
let database: Database<OrderSchema>;
const at = "2026-12-03T09:00:00.000Z";

/**
 * Orders 1-6: customers 1, 2, 1, 2, 1, 2; every third one cancelled; order n has n lines, of n × 19.99 each
 * (amounts a binary fraction cannot hold). Order 7 has every optional field set, a unicode name, odd prices and a
 * line of whole ones.
 */
beforeAll(async () => {
  database = await openDatabase({ url: `file:${join(folder, "order.db")}`, schema, migrationsFolder });
  for (let n = 1; n <= 6; n += 1) {
    const status: OrderStatus = n % 3 === 0 ? "cancelled" : "confirmed";
    const [order] = await database.db
      .insert(orders)
      .values({
        customerId: 2 - (n % 2),
        status,
        totalCents: n * n * 1999,
        paymentMethod: "card",
        createdAt: at,
        updatedAt: at,
        placedAtMs: n,
        ...(status === "cancelled" && { reason: "cancelled by the customer" }),
      })
      .returning();
    const lines = Array.from({ length: n }, (_, i) => ({
      orderId: order?.id ?? 0,
      productId: i + 1,
      productName: `product ${i + 1}`,
      quantity: 1,
      unitPriceCents: n * 1999,
    }));
    await database.db.insert(orderItems).values(lines);
  }
  const [special] = await database.db
    .insert(orders)
    .values({
      customerId: 3,
      status: "delivered",
      paymentStatus: "succeeded",
      shippingStatus: "delivered",
      trackingNumber: "TRK-7",
      totalCents: 1_000_000_07,
      paymentMethod: "paypal",
      shippingAddress: 'Straße 1, "Hof" \\ 2\n3',
      createdAt: at,
      updatedAt: "2026-12-03T10:00:00.000Z",
      placedAtMs: 7,
    })
    .returning();
  await database.db.insert(orderItems).values([
    {
      orderId: special?.id ?? 0,
      productId: 42,
      productName: "Ünïcødé ☕ 𝄞",
      quantity: 3,
      unitPriceCents: 33_333_36,
    },
    {
      orderId: special?.id ?? 0,
      productId: 43,
      productName: "gift card",
      quantity: 2,
      unitPriceCents: 25_00,
    },
  ]);
});
afterAll(async () => {
  await database.close();
  rmSync(folder, { recursive: true, force: true });
});

interface Answer {
  orders: ReturnType<typeof orderView>[];
  page: number;
  limit: number;
  total: number;
}
const list = async (query: Partial<OrderListQuery>): Promise<Answer> =>
  JSON.parse(
    await orderListJson(database, {
      customerId: undefined,
      status: undefined,
      limit: 20,
      page: 1,
      ...query,
    }),
  ) as Answer;
const ids = (answer: Answer) => answer.orders.map((order) => order.id);

describe("orderListJson", () => {
  it("filters by customer, by status, by both and by neither, each shape with its own statement", async () => {
    expect(ids(await list({}))).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(ids(await list({ customerId: 1 }))).toEqual([5, 3, 1]);
    expect(ids(await list({ status: "cancelled" }))).toEqual([6, 3]);
    expect(ids(await list({ customerId: 2, status: "confirmed" }))).toEqual([4, 2]);
    // The first shape again, after the others were prepared.
    expect((await list({})).total).toBe(7);
  });

  it("pages newest first and counts every match, with each order's own lines", async () => {
    const second = await list({ limit: 2, page: 2 });
    expect(ids(second)).toEqual([5, 4]);
    expect(second).toMatchObject({ page: 2, limit: 2, total: 7 });
    expect(second.orders.map((order) => order.items.length)).toEqual([5, 4]);
    expect(await list({ customerId: 9 })).toEqual({ orders: [], page: 1, limit: 20, total: 0 });
    expect(await list({ page: 5 })).toEqual({ orders: [], page: 5, limit: 20, total: 7 });
    // Written as integers, as JSON.stringify wrote them: a typed client reads `20.0` as no int at all.
    const text = await orderListJson(database, { customerId: 9, status: undefined, limit: 20, page: 1 });
    expect(text).toBe('{"orders":[],"page":1,"limit":20,"total":0}');
  });

  it("shows each order exactly as orderView does: fields, amounts, flat fields of one-line orders", async () => {
    const { orders: listed } = await list({});
    const viewed = await Promise.all(
      listed.map(async ({ id }) => {
        const order = await findOrder(database.db, id);
        if (!order) throw new Error(`order ${id} is gone`);
        return orderView(order, await itemsOf(database.db, id));
      }),
    );
    expect(listed).toEqual(viewed);
    // The text too, byte for byte: field order and how each number is written (1200, never 1200.0).
    const text = await orderListJson(database, {
      customerId: undefined,
      status: undefined,
      limit: 20,
      page: 1,
    });
    expect(text).toBe(JSON.stringify({ orders: viewed, page: 1, limit: 20, total: 7 }));
    expect(listed.find((order) => order.id === 1)).toMatchObject({ product_id: 1, quantity: 1 });
    expect(listed.find((order) => order.id === 2)).not.toHaveProperty("product_id");
    expect(listed.find((order) => order.id === 7)).toMatchObject({
      total_price: 1_000_000.07,
      items: [
        { product_name: "Ünïcødé ☕ 𝄞", unit_price: 33_333.36, subtotal: 100_000.08 },
        { product_name: "gift card", unit_price: 25, subtotal: 50 },
      ],
    });
  });
});
