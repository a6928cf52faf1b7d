import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKit, withApp, type AppTestKit } from "@bazaar/shared/testing";
import { createApp } from "./app";
import { migrationsFolder, schema, type NotificationSchema } from "./db";

let t: AppTestKit<NotificationSchema>;
beforeAll(async () => {
  const kit = await createTestKit({ service: "notification", schema, migrationsFolder });
  t = withApp(kit, createApp(kit));
});
afterAll(() => t.close());

const get = async (path: string, as?: string) => {
  const response = await t.get(path, as);
  return { status: response.status, body: (await response.json()) as any };
};
const post = async (path: string, as: string) => {
  const response = await t.request("POST", path, { token: as });
  return { status: response.status, body: (await response.json()) as any };
};

const confirmed = (orderId: number, customerId: number) =>
  t.deliver("bazaar.order.confirmed", {
    order_id: orderId,
    customer_id: customerId,
    items: [{ product_id: 1, quantity: 2, unit_price_cents: 62_500 }],
    total_cents: 125_000,
    shipping_address: null,
  });

describe("events", () => {
  it("files one readable message per event, and a duplicate changes nothing", async () => {
    const id = randomUUID();
    const data = { order_id: 12, customer_id: 101, reason: "out of stock" };
    expect((await t.deliver("bazaar.order.rejected", data, { id })).status).toBe(202);
    const again = await t.deliver("bazaar.order.rejected", data, { id });
    expect(again.status).toBe(202);
    expect(again.headers.get("x-bazaar-outcome")).toBe("duplicate");

    const { body } = await get("/api/notifications", await t.tokenFor("customer", 101));
    expect(body.notifications).toEqual([
      expect.objectContaining({
        customer_id: 101,
        event_type: "bazaar.order.rejected",
        order_id: 12,
        title: "Order #12 rejected",
        message: "Your order #12 could not be accepted: out of stock.",
        read: false,
        read_at: null,
      }),
    ]);
  });

  it("answers 5xx to data that breaks the catalog, so the broker dead-letters it", async () => {
    const response = await t.deliver("bazaar.order.rejected", { order_id: 1 } as never);
    expect(response.status).toBe(500);
  });

  it("forgets a deleted customer, and a late event for them is stale", async () => {
    await confirmed(20, 102);
    await t.deliver("bazaar.customer.deleted", { customer_id: 102 });
    const late = await confirmed(21, 102);
    expect(late.headers.get("x-bazaar-outcome")).toBe("stale");
    const { body } = await get("/api/notifications?customer_id=102", await t.tokenFor("admin", 1));
    expect(body.total).toBe(0);
  });
});

describe("reading notifications", () => {
  beforeAll(async () => {
    await confirmed(30, 201);
    await confirmed(31, 201);
    await confirmed(32, 202);
  });

  it("shows a customer only their own, newest first", async () => {
    const { status, body } = await get("/api/notifications", await t.tokenFor("customer", 201));
    expect(status).toBe(200);
    expect(body.notifications.map((n: any) => n.order_id)).toEqual([31, 30]);
    expect(body).toMatchObject({ total: 2, unread_count: 2, page: 1, limit: 20 });
    expect(body.notifications[0].message).toBe("Your order #31 is confirmed: 2 items, total $1,250.00.");
  });

  it("lets staff and admin read anyone's, and filter by customer", async () => {
    const all = await get("/api/notifications?limit=100", await t.tokenFor("staff", 2));
    expect(all.body.notifications.map((n: any) => n.customer_id)).toEqual(expect.arrayContaining([201, 202]));
    const one = await get("/api/notifications?customer_id=202", await t.tokenFor("admin", 1));
    expect(one.body.notifications.map((n: any) => n.order_id)).toEqual([32]);
    const paged = await get("/api/notifications/customer/201?limit=1&page=2", await t.tokenFor("staff", 2));
    expect(paged.body).toMatchObject({ total: 2, page: 2, limit: 1 });
    expect(paged.body.notifications.map((n: any) => n.order_id)).toEqual([30]);
  });

  it("refuses another customer's list and anonymous callers", async () => {
    expect((await get("/api/notifications/customer/202", await t.tokenFor("customer", 201))).status).toBe(
      403,
    );
    expect((await get("/api/notifications?customer_id=202", await t.tokenFor("customer", 201))).status).toBe(
      403,
    );
    expect((await get("/api/notifications/customer/201", await t.tokenFor("customer", 201))).status).toBe(
      200,
    );
    const anonymous = await get("/api/notifications");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.type).toMatch(/unauthorized/);
  });

  it("rejects a bad query with a problem that names the field", async () => {
    const { status, body } = await get("/api/notifications?unread=maybe", await t.tokenFor("customer", 201));
    expect(status).toBe(400);
    expect(body.errors).toEqual([expect.objectContaining({ field: "unread" })]);
    expect((await get("/api/notifications/customer/abc", await t.tokenFor("admin", 1))).status).toBe(400);
  });

  it("marks one as read, only by its owner", async () => {
    const customer = await t.tokenFor("customer", 202);
    const [first] = (await get("/api/notifications", customer)).body.notifications;
    expect(
      (await post(`/api/notifications/${first.id}/read`, await t.tokenFor("customer", 201))).status,
    ).toBe(403);
    expect((await post(`/api/notifications/${first.id}/read`, await t.tokenFor("admin", 1))).status).toBe(
      403,
    );
    expect((await post("/api/notifications/999999/read", customer)).status).toBe(404);

    const marked = await post(`/api/notifications/${first.id}/read`, customer);
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ id: first.id, read: true, message: first.message });
    const again = await post(`/api/notifications/${first.id}/read`, customer);
    expect(again.body.read_at).toBe(marked.body.read_at);
    expect((await get("/api/notifications?unread=true", customer)).body.total).toBe(0);
    expect((await get("/api/notifications?unread=false", customer)).body.total).toBe(1);
  });

  it("marks all of the caller's as read, and no one else's", async () => {
    await confirmed(33, 202);
    const customer = await t.tokenFor("customer", 201);
    const result = await post("/api/notifications/read-all", customer);
    expect(result).toEqual({ status: 200, body: { message: "All notifications marked as read", marked: 2 } });
    expect((await get("/api/notifications?unread=true", customer)).body.notifications).toEqual([]);
    expect((await post("/api/notifications/read-all", customer)).body.marked).toBe(0);
    const other = await get("/api/notifications/customer/202", await t.tokenFor("admin", 1));
    expect(other.body.unread_count).toBe(1);
  });
});
