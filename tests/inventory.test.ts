import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver } from "./support/events";
import { call, eventually } from "./support/http";
import { adminToken, newProduct, newShopper, product } from "./support/shop";
import { startSink, type Sink } from "./support/sink";
import { startSystem, type System } from "./support/system";

describe("inventory function", () => {
  let system: System;
  /** Stands in for the broker: records every CloudEvent the inventory's relay publishes. */
  let sink: Sink;
  let inventory: string;
  let admin: string;
  let staff: string;
  let customer: string;

  const toInventory = (type: string, data: Record<string, unknown>, id?: string) =>
    deliver(system.eventKeys, `${inventory}/events`, type, data, { id });
  const placed = (order_id: number, product_id: number, quantity: number) => ({
    order_id,
    customer_id: 42,
    items: [{ product_id, quantity, unit_price_cents: 1000 }],
    total_cents: quantity * 1000,
    payment_method: "tok_visa",
    shipping_address: "1 Test Street",
  });
  const published = (orderId: number, type: string) =>
    sink.events.filter((e) => e.subject === String(orderId) && e.type === type);

  beforeAll(async () => {
    sink = await startSink();
    system = await startSystem({
      services: ["customer", "inventory"],
      env: { inventory: { K_SINK: sink.url } },
    });
    inventory = system.url("inventory");
    admin = await adminToken(system);
    staff = (await newShopper(system.url("customer"), "staff", admin)).token;
    customer = (await newShopper(system.url("customer"))).token;
  });

  afterAll(async () => {
    await system?.stop();
    await sink?.stop();
  });

  it("serves the original's demo catalog on a fresh database", async () => {
    const res = await call("GET", `${inventory}/api/products`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 1, limit: 20, total: 5, next_cursor: null });
    expect(res.body.products.map((p: any) => [p.id, p.name, p.price, p.quantity, p.sku])).toEqual([
      [1, "Laptop", 1200, 50, "LAP001"],
      [2, "Mouse", 25, 200, "MOU001"],
      [3, "Keyboard", 80, 150, "KEY001"],
      [4, "Monitor", 350, 75, "MON001"],
      [5, "Headphones", 150, 100, "HEA001"],
    ]);
    expect(await product(inventory, 1)).toMatchObject({ reserved: 0, available: 50, price_cents: 120000 });
    const search = await call("GET", `${inventory}/api/products?q=HEAD`);
    expect(search.body.products.map((p: any) => p.sku)).toEqual(["HEA001"]);
    const page = await call("GET", `${inventory}/api/products?limit=2&cursor=2`);
    expect(page.body.products.map((p: any) => p.id)).toEqual([3, 4]);
    expect(page.body.next_cursor).toBe(4);
  });

  it("lets staff create, update and adjust stock, and an admin delete", async () => {
    const created = await call("POST", `${inventory}/api/products`, {
      body: { name: "Webcam", description: "1080p", price: 49.99, quantity: 30, sku: "WEB001" },
      token: staff,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`/api/products/${created.body.id}`);
    const id: number = created.body.id;

    const updated = await call("PUT", `${inventory}/api/products/${id}`, {
      body: { price: 44.5 },
      token: staff,
    });
    expect(updated.status).toBe(200);
    expect(await product(inventory, id)).toMatchObject({ name: "Webcam", price: 44.5, price_cents: 4450 });

    const adjusted = await call("POST", `${inventory}/api/products/${id}/stock`, {
      body: { delta: -10, reason: "damaged in storage" },
      token: staff,
    });
    expect(adjusted.status).toBe(200);
    expect(await product(inventory, id)).toMatchObject({ quantity: 20, available: 20 });

    const taken = await call("POST", `${inventory}/api/products`, {
      body: { name: "Copy", price: 1, sku: "web001" },
      token: admin,
    });
    expect(taken.status).toBe(409);

    expect((await call("DELETE", `${inventory}/api/products/${id}`, { token: staff })).status).toBe(403);
    expect((await call("DELETE", `${inventory}/api/products/${id}`, { token: admin })).status).toBe(200);
    expect((await call("GET", `${inventory}/api/products/${id}`)).status).toBe(404);
  });

  it("lets anyone read but only staff and admin write", async () => {
    const body = { delta: 1 };
    const stock = (token?: string) => call("POST", `${inventory}/api/products/3/stock`, { body, token });
    expect((await call("GET", `${inventory}/api/products/3`, { token: customer })).status).toBe(200);
    expect((await stock()).status).toBe(401);
    expect((await stock(customer)).status).toBe(403);
    expect((await stock(staff)).status).toBe(200);
    expect((await stock(admin)).status).toBe(200);
    const putAsCustomer = await call("PUT", `${inventory}/api/products/3`, {
      body: { name: "x" },
      token: customer,
    });
    expect(putAsCustomer.status).toBe(403);
    expect((await call("DELETE", `${inventory}/api/products/3`)).status).toBe(401);
    expect((await product(inventory, 3)).quantity).toBe(152);
  });

  it("answers bad input with a 400 problem that says what is wrong", async () => {
    const res = await call("POST", `${inventory}/api/products`, {
      body: { name: "Thing", price: "cheap", sku: "THING1" },
      token: admin,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body).toMatchObject({ status: 400, title: "Bad Request" });
    expect(res.body.detail).toMatch(/^invalid body: price:/);
    expect(res.body.error).toBe(res.body.detail);

    const delta = await call("POST", `${inventory}/api/products/1/stock`, {
      body: { delta: 1.5 },
      token: admin,
    });
    expect(delta.status).toBe(400);
    expect(delta.body.detail).toMatch(/delta/);
    const limit = await call("GET", `${inventory}/api/products?limit=1000`);
    expect(limit.status).toBe(400);
    expect(limit.body.detail).toMatch(/limit/);
    const below = await call("POST", `${inventory}/api/products/2/stock`, {
      body: { delta: -201 },
      token: admin,
    });
    expect(below.status).toBe(409);
    expect(below.body.detail).toMatch(/at most 200 can be removed/);
  });

  it("reserves stock for order.placed, once, and publishes inventory.reserved", async () => {
    const before = await product(inventory, 4);
    const eventId = randomUUID();
    const first = await toInventory("bazaar.order.placed", placed(1001, 4, 3), eventId);
    expect(first.status).toBe(202);
    expect(first.headers.get("x-bazaar-outcome")).toBe("applied");
    const again = await toInventory("bazaar.order.placed", placed(1001, 4, 3), eventId);
    expect(again.status).toBe(202);
    expect(again.headers.get("x-bazaar-outcome")).toBe("duplicate");

    expect(await product(inventory, 4)).toMatchObject({
      quantity: before.quantity,
      reserved: before.reserved + 3,
      available: before.available - 3,
    });
    const reserved = await sink.waitFor("bazaar.inventory.reserved", (e) => e.subject === "1001");
    expect(reserved?.data).toEqual({ order_id: 1001, items: [{ product_id: 4, quantity: 3 }] });

    // Held stock keeps the product from being deleted.
    const del = await call("DELETE", `${inventory}/api/products/4`, { token: admin });
    expect(del.status).toBe(409);

    const { payment_method: _, ...confirmed } = placed(1001, 4, 3);
    await toInventory("bazaar.order.confirmed", confirmed);
    expect(await product(inventory, 4)).toMatchObject({
      quantity: before.quantity - 3,
      reserved: before.reserved,
      sold: 3,
    });
    await eventually(async () =>
      published(1001, "bazaar.inventory.committed").length === 1 ? true : undefined,
    );
    expect(published(1001, "bazaar.inventory.reserved")).toHaveLength(1);
  });

  it("rejects a late order.placed after the cancel came first (tombstone)", async () => {
    const cancel = await toInventory("bazaar.order.cancelled", {
      order_id: 1002,
      customer_id: 42,
      reason: "customer changed their mind",
      previous_status: "pending",
    });
    expect(cancel.status).toBe(202);
    const late = await toInventory("bazaar.order.placed", placed(1002, 1, 1));
    expect(late.status).toBe(202);
    expect((await product(inventory, 1)).reserved).toBe(0);
    const rejected = await sink.waitFor("bazaar.inventory.rejected", (e) => e.subject === "1002");
    expect(rejected?.data).toEqual({ order_id: 1002, reason: "order cancelled", shortages: [] });
    expect(published(1002, "bazaar.inventory.released")).toEqual([]);
  });

  it("gives the last unit to exactly one of 20 concurrent orders", async () => {
    const id = await newProduct(inventory, admin, 1);
    const orders = Array.from({ length: 20 }, (_, i) => 2000 + i);
    const answers = await Promise.all(
      orders.map((order) => toInventory("bazaar.order.placed", placed(order, id, 1))),
    );
    expect(answers.map((a) => a.status)).toEqual(orders.map(() => 202));
    expect(await product(inventory, id)).toMatchObject({ quantity: 1, reserved: 1, available: 0 });

    await eventually(async () =>
      orders.every(
        (o) =>
          published(o, "bazaar.inventory.reserved").length +
            published(o, "bazaar.inventory.rejected").length ===
          1,
      )
        ? true
        : undefined,
    );
    const winners = orders.filter((o) => published(o, "bazaar.inventory.reserved").length === 1);
    expect(winners).toHaveLength(1);
    const losers = orders.flatMap((o) => published(o, "bazaar.inventory.rejected"));
    expect(losers).toHaveLength(19);
    expect(losers[0]?.data.shortages).toEqual([{ product_id: id, requested: 1, available: 0 }]);
  });
});
