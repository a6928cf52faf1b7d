import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenVerifier, loadSigningKey, localKeys, signAccessToken } from "@bazaar/shared/auth";
import { openDatabase, type Database } from "@bazaar/shared/db";
import { createOutbox, type EventData, type EventType } from "@bazaar/shared/events";
import type { Role } from "@bazaar/shared/http";
import { createLogger, createMetrics } from "@bazaar/shared/observability";
import { createApp } from "./app";
import { migrationsFolder, schema, type NotificationSchema } from "./db";

const settings = { issuer: "bazaar", audience: "bazaar" };
let dir: string;
let database: Database<NotificationSchema>;
let app: ReturnType<typeof createApp>;
let token: (id: number, role?: Role) => Promise<string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "notification-test-"));
  database = await openDatabase({ url: `file:${dir}/notification.db`, schema, migrationsFolder });
  const key = await loadSigningKey({ dataDir: dir });
  const http = {
    service: "notification",
    logger: createLogger("notification", "silent"),
    metrics: createMetrics("notification"),
    bodyLimitBytes: 64 * 1024,
  };
  const outbox = createOutbox({ database, source: "/bazaar/notification", onCommit: () => undefined });
  app = createApp({ http, database, outbox, verify: createTokenVerifier(localKeys(key), settings) });
  token = (id, role = "customer") =>
    signAccessToken(key, { id, role, email: `user${id}@example.com` }, { ...settings, ttlSeconds: 300 });
});
afterAll(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Delivers an event in binary mode, as the broker does. */
const deliver = <T extends EventType>(type: T, data: EventData<T>, id = randomUUID()) =>
  app.request("/events", {
    method: "POST",
    headers: {
      "ce-specversion": "1.0",
      "ce-id": id,
      "ce-source": "/bazaar/order",
      "ce-type": type,
      "ce-subject": String("order_id" in data ? data.order_id : data.customer_id),
      "content-type": "application/json",
    },
    body: JSON.stringify(data),
  });

const get = async (path: string, as?: string) => {
  const response = await app.request(path, { headers: as ? { authorization: `Bearer ${as}` } : {} });
  return { status: response.status, body: (await response.json()) as any };
};
const post = async (path: string, as: string) => {
  const response = await app.request(path, { method: "POST", headers: { authorization: `Bearer ${as}` } });
  return { status: response.status, body: (await response.json()) as any };
};

const confirmed = (orderId: number, customerId: number) =>
  deliver("bazaar.order.confirmed", {
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
    expect((await deliver("bazaar.order.rejected", data, id)).status).toBe(202);
    const again = await deliver("bazaar.order.rejected", data, id);
    expect(again.status).toBe(202);
    expect(again.headers.get("x-bazaar-outcome")).toBe("duplicate");

    const { body } = await get("/api/notifications", await token(101));
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
    const response = await deliver("bazaar.order.rejected", { order_id: 1 } as never);
    expect(response.status).toBe(500);
  });

  it("forgets a deleted customer, and a late event for them is stale", async () => {
    await confirmed(20, 102);
    await deliver("bazaar.customer.deleted", { customer_id: 102 });
    const late = await confirmed(21, 102);
    expect(late.headers.get("x-bazaar-outcome")).toBe("stale");
    const { body } = await get("/api/notifications?customer_id=102", await token(1, "admin"));
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
    const { status, body } = await get("/api/notifications", await token(201));
    expect(status).toBe(200);
    expect(body.notifications.map((n: any) => n.order_id)).toEqual([31, 30]);
    expect(body).toMatchObject({ total: 2, unread_count: 2, page: 1, limit: 20 });
    expect(body.notifications[0].message).toBe("Your order #31 is confirmed: 2 items, total $1,250.00.");
  });

  it("lets staff and admin read anyone's, and filter by customer", async () => {
    const all = await get("/api/notifications?limit=100", await token(2, "staff"));
    expect(all.body.notifications.map((n: any) => n.customer_id)).toEqual(expect.arrayContaining([201, 202]));
    const one = await get("/api/notifications?customer_id=202", await token(1, "admin"));
    expect(one.body.notifications.map((n: any) => n.order_id)).toEqual([32]);
    const paged = await get("/api/notifications/customer/201?limit=1&page=2", await token(2, "staff"));
    expect(paged.body).toMatchObject({ total: 2, page: 2, limit: 1 });
    expect(paged.body.notifications.map((n: any) => n.order_id)).toEqual([30]);
  });

  it("refuses another customer's list and anonymous callers", async () => {
    expect((await get("/api/notifications/customer/202", await token(201))).status).toBe(403);
    expect((await get("/api/notifications?customer_id=202", await token(201))).status).toBe(403);
    expect((await get("/api/notifications/customer/201", await token(201))).status).toBe(200);
    const anonymous = await get("/api/notifications");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.type).toMatch(/unauthorized/);
  });

  it("rejects a bad query with a problem that names the field", async () => {
    const { status, body } = await get("/api/notifications?unread=maybe", await token(201));
    expect(status).toBe(400);
    expect(body.errors).toEqual([expect.objectContaining({ field: "unread" })]);
    expect((await get("/api/notifications/customer/abc", await token(1, "admin"))).status).toBe(400);
  });

  it("marks one as read, only by its owner", async () => {
    const customer = await token(202);
    const [first] = (await get("/api/notifications", customer)).body.notifications;
    expect((await post(`/api/notifications/${first.id}/read`, await token(201))).status).toBe(403);
    expect((await post(`/api/notifications/${first.id}/read`, await token(1, "admin"))).status).toBe(403);
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
    const customer = await token(201);
    const result = await post("/api/notifications/read-all", customer);
    expect(result).toEqual({ status: 200, body: { message: "All notifications marked as read", marked: 2 } });
    expect((await get("/api/notifications?unread=true", customer)).body.notifications).toEqual([]);
    expect((await post("/api/notifications/read-all", customer)).body.marked).toBe(0);
    const other = await get("/api/notifications/customer/202", await token(1, "admin"));
    expect(other.body.unread_count).toBe(1);
  });
});
