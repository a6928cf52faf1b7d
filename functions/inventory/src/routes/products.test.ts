import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "@bazaar/shared/observability";
import { ensureDemoCatalog } from "../domain/demo-catalog";
import { createTestInventory, type TestInventory } from "../testing";

const keyboard = {
  name: "Split keyboard",
  description: "Ergonomic, tented",
  price: 189.99,
  quantity: 12,
  sku: "kbd-split",
};

describe("products API", () => {
  let kit: TestInventory;
  let admin: string;
  let staff: string;
  let customer: string;
  const json = async (res: Response): Promise<any> => res.json();

  beforeEach(async () => {
    kit = await createTestInventory();
    await ensureDemoCatalog(kit.database, createLogger("test", "silent"));
    [admin, staff, customer] = await Promise.all([
      kit.tokenFor("admin", 1),
      kit.tokenFor("staff", 2),
      kit.tokenFor("customer", 3),
    ]);
  });
  afterEach(() => kit.close());

  describe("reading", () => {
    it("shows a product with the original's fields and the stock picture, to anyone", async () => {
      const res = await kit.request("GET", "/api/products/1");
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({
        id: 1,
        name: "Laptop",
        price: 1200,
        price_cents: 120000,
        quantity: 50,
        reserved: 0,
        available: 50,
        sku: "LAP001",
      });
      expect((await json(await kit.request("GET", "/api/products/2"))).price).toBe(25);
    });

    it("answers an unknown product 404 and a malformed id 400, as problem+json", async () => {
      const missing = await kit.request("GET", "/api/products/999");
      expect(missing.status).toBe(404);
      expect(missing.headers.get("content-type")).toBe("application/problem+json");
      expect((await json(missing)).detail).toBe("product 999 not found");
      expect((await kit.request("GET", "/api/products/abc")).status).toBe(400);
    });

    it("lists by page with a total, and by cursor", async () => {
      const first = await json(await kit.request("GET", "/api/products?limit=2"));
      expect(first.products.map((p: any) => p.id)).toEqual([1, 2]);
      expect(first).toMatchObject({ page: 1, limit: 2, total: 5, next_cursor: 2 });
      const page3 = await json(await kit.request("GET", "/api/products?limit=2&page=3"));
      expect(page3.products.map((p: any) => p.id)).toEqual([5]);
      expect(page3.next_cursor).toBeNull();
      const after = await json(await kit.request("GET", `/api/products?limit=2&cursor=${first.next_cursor}`));
      expect(after.products.map((p: any) => p.id)).toEqual([3, 4]);
      expect(after).toMatchObject({ page: null, next_cursor: 4 });
    });

    it("searches name, description and SKU case-insensitively; wildcards match literally", async () => {
      const ids = async (q: string) =>
        (await json(await kit.request("GET", `/api/products?q=${encodeURIComponent(q)}`))).products.map(
          (p: any) => p.id,
        );
      expect(await ids("MOUSE")).toEqual([2]);
      expect(await ids("mon0")).toEqual([4]);
      expect(await ids("noise")).toEqual([5]);
      expect(await ids("%")).toEqual([]);
      expect((await json(await kit.request("GET", "/api/products?q=o&limit=1"))).total).toBe(5);
    });

    it("refuses bad paging with a 400 that names the field", async () => {
      for (const query of ["limit=0", "limit=101", "page=0", "page=1&cursor=2", "sort=name"]) {
        const res = await kit.request("GET", `/api/products?${query}`);
        expect(res.status, query).toBe(400);
        expect((await json(res)).detail).toMatch(/^invalid query/);
      }
    });
  });

  describe("writing", () => {
    it("creates a product (staff) with 201 + Location; a taken SKU is 409", async () => {
      const res = await kit.request("POST", "/api/products", { body: keyboard, token: staff });
      expect(res.status).toBe(201);
      const body = await json(res);
      expect(res.headers.get("location")).toBe(`/api/products/${body.id}`);
      expect(body).toMatchObject({
        price: 189.99,
        price_cents: 18999,
        quantity: 12,
        available: 12,
        sku: "KBD-SPLIT",
      });
      const taken = await kit.request("POST", "/api/products", {
        body: { ...keyboard, sku: "LAP001" },
        token: admin,
      });
      expect(taken.status).toBe(409);
      expect((await json(taken)).detail).toBe("a product with sku LAP001 already exists");
    });

    it("updates fields; quantity may not fall below what is reserved", async () => {
      const res = await kit.request("PUT", "/api/products/2", {
        body: { price: 19.5, name: "Mouse II" },
        token: staff,
      });
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ id: 2, name: "Mouse II", price: 19.5, price_cents: 1950 });
      await kit.deliver("bazaar.order.placed", {
        order_id: 1,
        customer_id: 3,
        items: [{ product_id: 2, quantity: 10, unit_price_cents: 1950 }],
        total_cents: 19500,
        payment_method: "tok_visa",
        shipping_address: null,
      });
      const below = await kit.request("PUT", "/api/products/2", { body: { quantity: 9 }, token: admin });
      expect(below.status).toBe(409);
      expect((await json(below)).detail).toMatch(/below the 10 units/);
      const sku = await kit.request("PUT", "/api/products/2", { body: { sku: "lap001" }, token: admin });
      expect(sku.status).toBe(409);
    });

    it("adjusts stock by a delta and records it; never below reserved", async () => {
      const added = await kit.request("POST", "/api/products/1/stock", {
        body: { delta: 5, reason: "delivery" },
        token: staff,
      });
      expect(added.status).toBe(200);
      expect(await json(added)).toMatchObject({
        quantity: 55,
        available: 55,
        adjustment: { delta: 5, reason: "delivery", actor_id: 2 },
      });
      await kit.deliver("bazaar.order.placed", {
        order_id: 2,
        customer_id: 3,
        items: [{ product_id: 1, quantity: 50, unit_price_cents: 1 }],
        total_cents: 50,
        payment_method: "tok_visa",
        shipping_address: null,
      });
      const tooMany = await kit.request("POST", "/api/products/1/stock", {
        body: { delta: -6 },
        token: admin,
      });
      expect(tooMany.status).toBe(409);
      expect((await json(tooMany)).detail).toBe(
        "cannot remove 6 units of product 1: 55 on hand, 50 reserved for open orders, so at most 5 can be removed",
      );
      const exact = await kit.request("POST", "/api/products/1/stock", { body: { delta: -5 }, token: admin });
      expect(await json(exact)).toMatchObject({ quantity: 50, reserved: 50, available: 0 });
      expect(
        (await kit.request("POST", "/api/products/99/stock", { body: { delta: 1 }, token: admin })).status,
      ).toBe(404);
    });

    it("never adds stock past the most a product may hold, as create and update cap it", async () => {
      const add = (delta: number) =>
        kit.request("POST", "/api/products/1/stock", { body: { delta }, token: admin });
      expect((await add(1_000_000_000)).status).toBe(409);
      const over = await add(999_999_951);
      expect(await json(over)).toMatchObject({
        status: 409,
        detail: "cannot add 999999951 units of product 1: 50 on hand, at most 1000000000 can be",
      });
      expect(await json(await add(999_999_950))).toMatchObject({ quantity: 1_000_000_000 });
    });

    it("deletes (admin) unless stock is held for an open order", async () => {
      await kit.deliver("bazaar.order.placed", {
        order_id: 3,
        customer_id: 3,
        items: [{ product_id: 4, quantity: 1, unit_price_cents: 1 }],
        total_cents: 1,
        payment_method: "tok_visa",
        shipping_address: null,
      });
      const held = await kit.request("DELETE", "/api/products/4", { token: admin });
      expect(held.status).toBe(409);
      expect((await json(held)).detail).toMatch(/held for open orders \(3\)/);
      const res = await kit.request("DELETE", "/api/products/5", { token: admin });
      expect(res.status).toBe(200);
      expect((await kit.request("GET", "/api/products/5")).status).toBe(404);
      expect((await kit.request("DELETE", "/api/products/5", { token: admin })).status).toBe(404);
    });

    it("refuses bad bodies with a 400 problem that names the field", async () => {
      const cases: [unknown, RegExp][] = [
        [{ ...keyboard, price: -1 }, /price/],
        [{ ...keyboard, price: 1.234 }, /price: must have at most two decimals/],
        [{ ...keyboard, name: "" }, /name: must not be empty/],
        [{ ...keyboard, colour: "red" }, /colour/],
        [{ ...keyboard, price: undefined }, /price is required/],
        [{ ...keyboard, price_cents: 100 }, /not both/],
        [{ ...keyboard, quantity: 1.5 }, /quantity/],
        [{ ...keyboard, sku: "no spaces" }, /sku/],
      ];
      for (const [body, detail] of cases) {
        const res = await kit.request("POST", "/api/products", { body, token: admin });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        expect((await json(res)).detail).toMatch(detail);
      }
      const zero = await kit.request("POST", "/api/products/1/stock", { body: { delta: 0 }, token: admin });
      expect((await json(zero)).detail).toBe("invalid body: delta: must not be zero");
      const empty = await kit.request("PUT", "/api/products/1", { body: {}, token: admin });
      expect(empty.status).toBe(400);
      const text = await kit.app.request("/api/products", {
        method: "POST",
        headers: { "content-type": "text/plain", authorization: `Bearer ${admin}` },
        body: "Laptop",
      });
      expect(text.status).toBe(415);
    });
  });

  describe("RBAC", () => {
    const writes = (sku = keyboard.sku): [string, string, unknown][] => [
      ["POST", "/api/products", { ...keyboard, sku }],
      ["PUT", "/api/products/1", { name: "Renamed" }],
      ["POST", "/api/products/1/stock", { delta: 1 }],
      ["DELETE", "/api/products/2", undefined],
    ];

    it("anonymous callers may read but not write (401)", async () => {
      expect((await kit.request("GET", "/api/products")).status).toBe(200);
      for (const [method, path, body] of writes())
        expect((await kit.request(method, path, { body })).status, `${method} ${path}`).toBe(401);
    });

    it("customers get 403 on every write", async () => {
      for (const [method, path, body] of writes())
        expect((await kit.request(method, path, { body, token: customer })).status, `${method} ${path}`).toBe(
          403,
        );
    });

    it("staff write but may not delete; admin may do everything", async () => {
      const staffAnswers = [];
      for (const [method, path, body] of writes())
        staffAnswers.push((await kit.request(method, path, { body, token: staff })).status);
      expect(staffAnswers).toEqual([201, 200, 200, 403]);
      const adminAnswers = [];
      for (const [method, path, body] of writes("ADMIN-1"))
        adminAnswers.push((await kit.request(method, path, { body, token: admin })).status);
      expect(adminAnswers).toEqual([201, 200, 200, 200]);
    });

    it("a deleted staff account's token is 401 on every call once bazaar.customer.deleted arrived", async () => {
      const deleted = await kit.deliver("bazaar.customer.deleted", { customer_id: 2 });
      expect(deleted.headers.get("x-bazaar-outcome")).toBe("applied");
      for (const [method, path, body] of [["GET", "/api/products", undefined] as const, ...writes()]) {
        const res = await kit.request(method, path, { body, token: staff });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect((await json(res)).detail).toBe("this account no longer exists");
      }
      // Another account, and anonymous reads, are untouched.
      expect(
        (await kit.request("PUT", "/api/products/1", { body: { name: "Kept" }, token: admin })).status,
      ).toBe(200);
      expect((await kit.request("GET", "/api/products")).status).toBe(200);
    });

    it("a demoted staff member's token is 401 once bazaar.customer.role_changed arrived; a new one is 403", async () => {
      const changed = await kit.deliver("bazaar.customer.role_changed", {
        customer_id: 2,
        role: "customer",
        previous_role: "staff",
        changed_at: new Date().toISOString(),
      });
      expect(changed.headers.get("x-bazaar-outcome")).toBe("applied");
      const [method, path, body] = writes()[0]!;
      const stale = await kit.request(method, path, { body, token: staff });
      expect(stale.status).toBe(401);
      expect((await json(stale)).detail).toBe("the account's role changed; sign in again");
      // A token issued after the change carries the new role: heard, and answered by that role.
      const fresh = await kit.tokenFor("customer", 2);
      expect((await kit.request(method, path, { body, token: fresh })).status).toBe(403);
    });

    it("a token that does not verify is 401, even on a public read", async () => {
      const res = await kit.app.request("/api/products", {
        headers: { authorization: "Bearer not-a-token" },
      });
      expect(res.status).toBe(401);
    });
  });
});
