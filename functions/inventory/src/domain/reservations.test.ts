import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Invalid } from "@bazaar/shared/errors";
import { createLogger } from "@bazaar/shared/observability";
import { products, reservations } from "../db/schema";
import { createTestInventory, type TestInventory } from "../testing";
import { ensureDemoCatalog } from "./demo-catalog";
import { commitOrder, reserveOrder } from "./reservations";

const LAPTOP = 1; // 50 on hand
const MOUSE = 2; // 200 on hand

const placed = (order_id: number, items: { product_id: number; quantity: number }[]) => ({
  order_id,
  customer_id: 7,
  items: items.map((i) => ({ ...i, unit_price_cents: 100 })),
  total_cents: 100,
  payment_method: "tok_visa",
  shipping_address: null,
});
const confirmed = (order_id: number, items = [{ product_id: LAPTOP, quantity: 1 }]) => ({
  order_id,
  customer_id: 7,
  items: items.map((i) => ({ ...i, unit_price_cents: 100 })),
  total_cents: 100,
  shipping_address: null,
});
const cancelled = (order_id: number, previous_status = "awaiting_payment") => ({
  order_id,
  customer_id: 7,
  reason: "customer asked",
  previous_status,
});

describe("reservations (order saga)", () => {
  let kit: TestInventory;
  const stock = async (id: number) => {
    const [row] = await kit.database.db.select().from(products).where(eq(products.id, id));
    return { quantity: row!.quantity, reserved: row!.reserved, sold: row!.sold };
  };
  const typesEmitted = async () => (await kit.emitted()).map((e) => e.type);

  beforeEach(async () => {
    kit = await createTestInventory();
    await ensureDemoCatalog(kit.database, createLogger("test", "silent"));
  });
  afterEach(() => kit.close());

  it("reserves every line of an order and emits inventory.reserved", async () => {
    const res = await kit.deliver(
      "bazaar.order.placed",
      placed(10, [
        { product_id: LAPTOP, quantity: 2 },
        { product_id: MOUSE, quantity: 3 },
        { product_id: MOUSE, quantity: 1 },
      ]),
    );
    expect(res.status).toBe(202);
    expect(res.headers.get("x-bazaar-outcome")).toBe("applied");
    expect(await stock(LAPTOP)).toEqual({ quantity: 50, reserved: 2, sold: 0 });
    expect(await stock(MOUSE)).toEqual({ quantity: 200, reserved: 4, sold: 0 });
    const [event] = await kit.emitted();
    expect(event).toMatchObject({
      type: "bazaar.inventory.reserved",
      subject: "10",
      data: {
        order_id: 10,
        items: [
          { product_id: LAPTOP, quantity: 2 },
          { product_id: MOUSE, quantity: 4 },
        ],
      },
    });
  });

  it("reserves nothing when one line is short (all or nothing), naming every shortage", async () => {
    await kit.deliver(
      "bazaar.order.placed",
      placed(11, [
        { product_id: MOUSE, quantity: 5 },
        { product_id: LAPTOP, quantity: 51 },
        { product_id: 999, quantity: 1 },
      ]),
    );
    expect(await stock(MOUSE)).toEqual({ quantity: 200, reserved: 0, sold: 0 });
    expect(await stock(LAPTOP)).toEqual({ quantity: 50, reserved: 0, sold: 0 });
    const [event] = await kit.emitted();
    expect(event?.type).toBe("bazaar.inventory.rejected");
    expect(event?.data.shortages).toEqual([
      { product_id: LAPTOP, requested: 51, available: 50 },
      { product_id: 999, requested: 1, available: 0 },
    ]);
    expect(event?.data.reason).toMatch(/insufficient stock/);
  });

  it("never reserves below zero: the last units go to exactly one of many concurrent orders", async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        kit.deliver("bazaar.order.placed", placed(100 + i, [{ product_id: LAPTOP, quantity: 10 }])),
      ),
    );
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(await stock(LAPTOP)).toEqual({ quantity: 50, reserved: 50, sold: 0 });
    const types = await typesEmitted();
    expect(types.filter((t) => t === "bazaar.inventory.reserved")).toHaveLength(5);
    expect(types.filter((t) => t === "bazaar.inventory.rejected")).toHaveLength(5);
  });

  it("handles the same event twice once, and a redelivery under a new id as stale", async () => {
    const data = placed(12, [{ product_id: LAPTOP, quantity: 1 }]);
    await kit.deliver("bazaar.order.placed", data, { id: "same-id" });
    const again = await kit.deliver("bazaar.order.placed", data, { id: "same-id" });
    expect(again.headers.get("x-bazaar-outcome")).toBe("duplicate");
    const newId = await kit.deliver("bazaar.order.placed", data);
    expect(newId.headers.get("x-bazaar-outcome")).toBe("stale");
    expect(await stock(LAPTOP)).toEqual({ quantity: 50, reserved: 1, sold: 0 });
    expect(await typesEmitted()).toEqual(["bazaar.inventory.reserved"]);
  });

  it("a rejected order stays rejected when its order.placed is replayed after a restock", async () => {
    await kit.deliver("bazaar.order.placed", placed(13, [{ product_id: LAPTOP, quantity: 60 }]));
    await kit.database.write((tx) =>
      tx.update(products).set({ quantity: 100 }).where(eq(products.id, LAPTOP)),
    );
    const replay = await kit.deliver(
      "bazaar.order.placed",
      placed(13, [{ product_id: LAPTOP, quantity: 60 }]),
    );
    expect(replay.headers.get("x-bazaar-outcome")).toBe("stale");
    expect((await stock(LAPTOP)).reserved).toBe(0);
  });

  it("commits held stock once: quantity and reserved fall, sold rises", async () => {
    await kit.deliver("bazaar.order.placed", placed(20, [{ product_id: LAPTOP, quantity: 3 }]));
    const first = await kit.deliver(
      "bazaar.order.confirmed",
      confirmed(20, [{ product_id: LAPTOP, quantity: 3 }]),
    );
    const second = await kit.deliver(
      "bazaar.order.confirmed",
      confirmed(20, [{ product_id: LAPTOP, quantity: 3 }]),
    );
    expect(first.headers.get("x-bazaar-outcome")).toBe("applied");
    expect(second.headers.get("x-bazaar-outcome")).toBe("stale");
    expect(await stock(LAPTOP)).toEqual({ quantity: 47, reserved: 0, sold: 3 });
    expect(await typesEmitted()).toEqual(["bazaar.inventory.reserved", "bazaar.inventory.committed"]);
  });

  it("refuses a confirmation of other lines than reserved (5xx: dead-lettered) and commits nothing", async () => {
    const lines = [
      { product_id: LAPTOP, quantity: 2 },
      { product_id: MOUSE, quantity: 4 },
    ];
    await kit.deliver("bazaar.order.placed", placed(22, lines));
    const untrue = await kit.deliver(
      "bazaar.order.confirmed",
      confirmed(22, [{ product_id: LAPTOP, quantity: 2 }]),
    );
    expect(untrue.status).toBe(500);
    expect(((await untrue.json()) as { detail: string }).detail).toBe(
      "event handling failed: bazaar.order.confirmed for order 22 names 2 of product 1, " +
        "but 2 of product 1, 4 of product 2 was reserved for it",
    );
    expect(await stock(LAPTOP)).toEqual({ quantity: 50, reserved: 2, sold: 0 });
    expect(await typesEmitted()).toEqual(["bazaar.inventory.reserved"]);

    // The same lines, in another order and split, are the reservation: committed.
    const split = [
      { product_id: MOUSE, quantity: 1 },
      { product_id: LAPTOP, quantity: 2 },
      { product_id: MOUSE, quantity: 3 },
    ];
    const confirmation = await kit.deliver("bazaar.order.confirmed", confirmed(22, split));
    expect(confirmation.headers.get("x-bazaar-outcome")).toBe("applied");
    expect(await stock(MOUSE)).toEqual({ quantity: 196, reserved: 0, sold: 4 });
  });

  it("commitOrder itself checks the lines, whatever delivered the confirmation", async () => {
    const commit = (lines: { product_id: number; quantity: number }[]) =>
      kit.database.write((tx) => commitOrder(tx, 23, lines));
    await kit.database.write((tx) => reserveOrder(tx, 23, [{ product_id: MOUSE, quantity: 2 }]));

    await expect(commit([{ product_id: MOUSE, quantity: 20 }])).rejects.toThrow(Invalid);
    await expect(commit([])).rejects.toThrow(Invalid);
    expect(await stock(MOUSE)).toEqual({ quantity: 200, reserved: 2, sold: 0 });
    expect(await commit([{ product_id: MOUSE, quantity: 2 }])).toBe(true);
    // Committed, the reservation still knows its lines: a repeat is stale, other lines are refused.
    expect(await commit([{ product_id: MOUSE, quantity: 2 }])).toBe(false);
    await expect(commit([{ product_id: LAPTOP, quantity: 2 }])).rejects.toThrow(Invalid);
    expect(await stock(MOUSE)).toEqual({ quantity: 198, reserved: 0, sold: 2 });
  });

  it("answers order.confirmed without a held reservation as stale", async () => {
    const res = await kit.deliver("bazaar.order.confirmed", confirmed(21));
    expect(res.status).toBe(202);
    expect(res.headers.get("x-bazaar-outcome")).toBe("stale");
    expect(await kit.emitted()).toEqual([]);
  });

  it("releases held stock once when the order is cancelled twice", async () => {
    await kit.deliver("bazaar.order.placed", placed(30, [{ product_id: MOUSE, quantity: 5 }]));
    await kit.deliver("bazaar.order.cancelled", cancelled(30));
    const again = await kit.deliver("bazaar.order.cancelled", cancelled(30));
    expect(again.headers.get("x-bazaar-outcome")).toBe("stale");
    expect(await stock(MOUSE)).toEqual({ quantity: 200, reserved: 0, sold: 0 });
    expect(await typesEmitted()).toEqual(["bazaar.inventory.reserved", "bazaar.inventory.released"]);
    const late = await kit.deliver(
      "bazaar.order.confirmed",
      confirmed(30, [{ product_id: MOUSE, quantity: 5 }]),
    );
    expect(late.headers.get("x-bazaar-outcome")).toBe("stale");
    expect(await stock(MOUSE)).toEqual({ quantity: 200, reserved: 0, sold: 0 });
  });

  it("puts committed stock back on the shelf when a confirmed order is cancelled", async () => {
    await kit.deliver("bazaar.order.placed", placed(31, [{ product_id: LAPTOP, quantity: 2 }]));
    await kit.deliver("bazaar.order.confirmed", confirmed(31, [{ product_id: LAPTOP, quantity: 2 }]));
    await kit.deliver("bazaar.order.cancelled", cancelled(31, "confirmed"));
    expect(await stock(LAPTOP)).toEqual({ quantity: 50, reserved: 0, sold: 0 });
    expect((await typesEmitted()).at(-1)).toBe("bazaar.inventory.released");
  });

  it("records a tombstone when the cancel comes first, so a late order.placed reserves nothing", async () => {
    const cancel = await kit.deliver("bazaar.order.cancelled", cancelled(40, "pending"));
    expect(cancel.headers.get("x-bazaar-outcome")).toBe("applied");
    const late = await kit.deliver("bazaar.order.placed", placed(40, [{ product_id: LAPTOP, quantity: 1 }]));
    expect(late.status).toBe(202);
    expect(await stock(LAPTOP)).toEqual({ quantity: 50, reserved: 0, sold: 0 });
    const rows = await kit.database.db.select().from(reservations).where(eq(reservations.orderId, 40));
    expect(rows).toEqual([]);
    const events = await kit.emitted();
    // Nothing was released, so no inventory.released; the late placement is rejected.
    expect(events).toEqual([
      {
        type: "bazaar.inventory.rejected",
        subject: "40",
        data: { order_id: 40, reason: "order cancelled", shortages: [] },
      },
    ]);
    const secondCancel = await kit.deliver("bazaar.order.cancelled", cancelled(40));
    expect(secondCancel.headers.get("x-bazaar-outcome")).toBe("stale");
  });

  it("the database itself refuses more reserved than on hand, whatever the code does", async () => {
    await expect(
      kit.database.write((tx) => tx.update(products).set({ reserved: 51 }).where(eq(products.id, LAPTOP))),
    ).rejects.toThrow();
    expect(await stock(LAPTOP)).toEqual({ quantity: 50, reserved: 0, sold: 0 });
  });

  it("answers an event with invalid data 500 so the broker retries and dead-letters it", async () => {
    const res = await kit.deliver("bazaar.order.placed", { order_id: 1 } as never);
    expect(res.status).toBe(500);
    expect(await kit.emitted()).toEqual([]);
  });
});
