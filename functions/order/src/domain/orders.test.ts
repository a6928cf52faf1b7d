import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@bazaar/shared/db";
import { migrationsFolder, schema, type OrderSchema } from "../db";
import { orderItems, orders } from "../db/schema";
import { findOrder, itemsOf, moveTo, recordStep, timelineOf, updateOrder } from "./orders";

const folder = mkdtempSync(join(tmpdir(), "bazaar-orders-"));
let database: Database<OrderSchema>;
const at = "2026-12-03T09:00:00.000Z";
let id = 0;

beforeAll(async () => {
  database = await openDatabase({ url: `file:${join(folder, "order.db")}`, schema, migrationsFolder });
  const [order] = await database.db
    .insert(orders)
    .values({
      customerId: 7,
      status: "pending",
      totalCents: 300,
      paymentMethod: "card",
      createdAt: at,
      updatedAt: at,
      placedAtMs: 1,
    })
    .returning();
  id = order?.id ?? 0;
  await database.db.insert(orderItems).values([
    { orderId: id, productId: 2, productName: "mouse", quantity: 1, unitPriceCents: 100 },
    { orderId: id, productId: 1, productName: "laptop", quantity: 2, unitPriceCents: 100 },
  ]);
});
afterAll(() => {
  database.close();
  rmSync(folder, { recursive: true, force: true });
});

// The statements here are sql templates: their rows must have the shape the query builders give.
describe("the order's statements", () => {
  it("read an order and its lines as the query builders do", async () => {
    const [built] = await database.db.select().from(orders).where(eq(orders.id, id));
    expect(await findOrder(database.db, id)).toStrictEqual(built);
    expect(await findOrder(database.db, id + 100)).toBeUndefined();
    const builtItems = await database.db.select().from(orderItems).where(eq(orderItems.orderId, id));
    expect(await itemsOf(database.db, id)).toStrictEqual(builtItems);
  });

  it("set the fields named, nulls included, and skip those left undefined", async () => {
    await database.write((tx) => updateOrder(tx, id, { awaitingPaymentSince: 5, reason: "late" }));
    await database.write((tx) =>
      updateOrder(tx, id, { awaitingPaymentSince: null, trackingNumber: "TRK1", reason: undefined }),
    );
    expect(await findOrder(database.db, id)).toMatchObject({
      awaitingPaymentSince: null,
      trackingNumber: "TRK1",
      reason: "late",
      status: "pending",
    });
  });

  it("move an order along the state machine with a timeline line, and refuse an illegal move", async () => {
    const order = (await findOrder(database.db, id))!;
    expect(await database.write((tx) => moveTo(tx, order, "delivered", { event: "e", detail: "no" }))).toBe(
      false,
    );
    const moved = await database.write((tx) =>
      moveTo(tx, order, "awaiting_payment", {
        event: "stock",
        detail: "held",
        changes: { paymentStatus: "asked" },
      }),
    );
    expect(moved).toBe(true);
    expect(await findOrder(database.db, id)).toMatchObject({
      status: "awaiting_payment",
      paymentStatus: "asked",
    });
    await database.write((tx) => recordStep(tx, id, "note", "awaiting_payment", "a note"));
    const timeline = await timelineOf(database.db, id);
    expect(timeline.map(({ event, status, detail }) => [event, status, detail])).toEqual([
      ["stock", "awaiting_payment", "held"],
      ["note", "awaiting_payment", "a note"],
    ]);
  });
});
