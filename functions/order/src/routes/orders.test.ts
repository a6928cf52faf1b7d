import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppTestKit } from "@bazaar/shared/testing";
import type { OrderSchema } from "../db";
import { orders } from "../db/schema";
import { orderAppWithoutCatalog } from "../testing";

const ALICE = 1;
const BOB = 2;
/** An id no order has, long enough that it appears nowhere else in an answer. */
const NO_SUCH_ID = 987_654;

let t: AppTestKit<OrderSchema>;
let aliceOrder: number;

beforeEach(async () => {
  t = await orderAppWithoutCatalog();
  const now = new Date().toISOString();
  aliceOrder = await t.database.write(async (tx) => {
    const [order] = await tx
      .insert(orders)
      .values({
        customerId: ALICE,
        status: "confirmed",
        totalCents: 2500,
        paymentMethod: "tok_visa",
        createdAt: now,
        updatedAt: now,
        placedAtMs: Date.now(),
      })
      .returning({ id: orders.id });
    if (!order) throw new Error("no order inserted");
    return order.id;
  });
});
afterEach(() => t.close());

const answer = async (response: Response) => ({
  status: response.status,
  body: (await response.json()) as unknown,
});
/** The answer about NO_SUCH_ID as it would read about `id`: what another customer's order must answer. */
const missingAsFor = async (method: string, path: (id: number) => string, token: string, id: number) => {
  const missing = await answer(await t.request(method, path(NO_SUCH_ID), { token }));
  return JSON.parse(JSON.stringify(missing).replaceAll(String(NO_SUCH_ID), String(id))) as unknown;
};

describe("another customer's order", () => {
  it("reads exactly as an order that does not exist; the owner, staff and admins see it", async () => {
    const bob = await t.tokenFor("customer", BOB);
    const path = (id: number) => `/api/orders/${id}`;
    const foreign = await answer(await t.get(path(aliceOrder), bob));
    expect(foreign).toEqual(await missingAsFor("GET", path, bob, aliceOrder));
    expect(foreign).toMatchObject({ status: 404, body: { detail: `order ${aliceOrder} not found` } });
    for (const token of [
      await t.tokenFor("customer", ALICE),
      await t.tokenFor("staff", 50),
      await t.tokenFor("admin", 99),
    ])
      expect((await t.get(path(aliceOrder), token)).status).toBe(200);
  });

  it("cancels exactly as an order that does not exist, and stays as it was", async () => {
    const bob = await t.tokenFor("customer", BOB);
    const path = (id: number) => `/api/orders/${id}/cancel`;
    const foreign = await answer(await t.request("POST", path(aliceOrder), { token: bob }));
    expect(foreign).toEqual(await missingAsFor("POST", path, bob, aliceOrder));
    expect(foreign.status).toBe(404);
    const kept = await answer(await t.get(`/api/orders/${aliceOrder}`, await t.tokenFor("admin", 99)));
    expect(kept.body).toMatchObject({ status: "confirmed" });
  });
});

describe("lists and staff changes", () => {
  it("lists a customer's own orders whatever customer_id they ask for; staff filter by customer", async () => {
    const bob = await t.tokenFor("customer", BOB);
    const asBob = await answer(await t.get(`/api/orders?customer_id=${ALICE}`, bob));
    expect(asBob.body).toMatchObject({ orders: [], total: 0, page: 1 });
    const staff = await t.tokenFor("staff", 50);
    const asStaff = await answer(await t.get(`/api/orders?customer_id=${ALICE}&status=confirmed`, staff));
    expect(asStaff.body).toMatchObject({ orders: [{ id: aliceOrder, status: "confirmed" }], total: 1 });
  });

  it("moves an order by hand along the state machine only, and says why not", async () => {
    const staff = await t.tokenFor("staff", 50);
    const path = `/api/orders/${aliceOrder}/status`;
    const shipped = await answer(await t.request("PUT", path, { token: staff, body: { status: "shipped" } }));
    expect(shipped).toMatchObject({
      status: 200,
      body: { message: "Order status updated to shipped", id: aliceOrder, status: "shipped" },
    });
    const again = await answer(await t.request("PUT", path, { token: staff, body: { status: "shipped" } }));
    expect(again).toMatchObject({
      status: 409,
      body: { detail: `order ${aliceOrder} cannot go from shipped to shipped` },
    });
    const missing = await t.request("PUT", `/api/orders/${NO_SUCH_ID}/status`, {
      token: staff,
      body: { status: "shipped" },
    });
    expect(missing.status).toBe(404);
  });
});

describe("what placing and cancelling refuse before they change anything", () => {
  it("holds the per-item cap over the sum of one product's repeated lines", async () => {
    const alice = await t.tokenFor("customer", ALICE);
    const lines = (...quantities: number[]) => ({
      items: quantities.map((quantity) => ({ product_id: 7, quantity })),
    });
    const repeated = await answer(
      await t.request("POST", "/api/orders", { token: alice, body: lines(1000, 1) }),
    );
    expect(repeated).toMatchObject({
      status: 400,
      body: { detail: expect.stringContaining("product 7 is ordered 1001 times over its lines") },
    });
    // Lines of different products are each held to the cap on their own.
    const distinct = await t.request("POST", "/api/orders", {
      token: alice,
      body: {
        items: [
          { product_id: 7, quantity: 1000 },
          { product_id: 8, quantity: 1000 },
        ],
      },
    });
    expect(distinct.status).toBe(503); // valid: it gets as far as the catalog, unreachable here
  });

  it("refuses a reason sent as anything but JSON with 415, as every JSON body is", async () => {
    const alice = await t.tokenFor("customer", ALICE);
    const plain = await t.request("POST", `/api/orders/${aliceOrder}/cancel`, {
      token: alice,
      headers: { "content-type": "text/plain" },
      body: { reason: "changed my mind" },
    });
    expect(await answer(plain)).toMatchObject({
      status: 415,
      body: { detail: "expected content-type application/json, got text/plain" },
    });
    const order = await answer(await t.get(`/api/orders/${aliceOrder}`, alice));
    expect(order.body).toMatchObject({ status: "confirmed" });
  });
});
