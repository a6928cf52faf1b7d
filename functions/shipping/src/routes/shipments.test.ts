import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestShipping, type TestShipping } from "../testing";

const ALICE = 1;
const BOB = 2;
let t: TestShipping;
let alice: string, bob: string, staff: string, admin: string;

const json = async (response: Response) => ({
  status: response.status,
  body: (await response.json()) as any,
});
const confirm = (order_id: number, customer_id: number) =>
  t.deliver("bazaar.order.confirmed", {
    order_id,
    customer_id,
    items: [{ product_id: 1, quantity: 1, unit_price_cents: 1_000 }],
    total_cents: 1_000,
    shipping_address: null,
  });
const patch = (path: string, body: unknown, token?: string) => t.request("PATCH", path, { body, token });
const shipmentOfOrder = async (orderId: number) =>
  (await json(await t.get(`/api/shipments/order/${orderId}`, admin))).body;

beforeAll(async () => {
  t = await createTestShipping();
  [alice, bob, staff, admin] = await Promise.all([
    t.tokenFor("customer", ALICE),
    t.tokenFor("customer", BOB),
    t.tokenFor("staff", 50),
    t.tokenFor("admin", 99),
  ]);
  await confirm(101, ALICE);
  await confirm(102, ALICE);
  await confirm(201, BOB);
});
afterAll(() => t.close());

describe("reading shipments", () => {
  it("lists a customer's own shipments only, and every shipment for staff and admins", async () => {
    const own = await json(await t.get("/api/shipments", alice));
    expect(own.status).toBe(200);
    expect(own.body.shipments.map((s: any) => s.order_id)).toEqual([102, 101]);
    expect(own.body).toMatchObject({ page: 1, limit: 20, total: 2 });
    expect((await json(await t.get("/api/shipments", staff))).body.total).toBe(3);
    expect((await json(await t.get("/api/shipments?limit=1&page=2", admin))).body.shipments).toHaveLength(1);
    expect((await t.get("/api/shipments")).status).toBe(401);
    expect((await t.get("/api/shipments?status=lost", admin)).status).toBe(400);
  });

  it("shows a shipment by id, order and tracking number to its owner, staff and admins only", async () => {
    const shipment = await shipmentOfOrder(101);
    expect(shipment).toEqual({
      id: expect.any(Number),
      order_id: 101,
      customer_id: ALICE,
      carrier: "DHL",
      tracking_number: expect.stringMatching(/^BZ[0-9A-Z]{12}$/),
      status: "scheduled",
      shipping_address: null,
      estimated_delivery: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const paths = [
      `/api/shipments/${shipment.id}`,
      "/api/shipments/order/101",
      `/api/shipments/track/${shipment.tracking_number}`,
    ];
    for (const path of paths) {
      for (const token of [alice, staff, admin])
        expect(await json(await t.get(path, token))).toEqual({ status: 200, body: shipment });
    }
    // Another customer gets exactly the answer for a shipment that does not exist, so ids and tracking
    // numbers cannot be probed.
    const asked: [path: string, key: string, missingKey: string][] = [
      ["/api/shipments/", String(shipment.id), "987654"],
      ["/api/shipments/order/", "101", "987654"],
      ["/api/shipments/track/", shipment.tracking_number, "BZ000000000000"],
    ];
    for (const [path, key, missingKey] of asked) {
      const other = await json(await t.get(`${path}${key}`, bob));
      const missing = await json(await t.get(`${path}${missingKey}`, bob));
      expect(missing.status).toBe(404);
      const missingAsIfAsked = JSON.parse(JSON.stringify(missing.body).replaceAll(missingKey, key));
      expect(other).toEqual({ status: 404, body: missingAsIfAsked });
    }
    // Tracking numbers are read case-insensitively, as people type them.
    const lower = await t.get(`/api/shipments/track/${shipment.tracking_number.toLowerCase()}`, alice);
    expect(lower.status).toBe(200);
  });

  it("answers 404 for what does not exist and 400 for malformed ids", async () => {
    expect(await json(await t.get("/api/shipments/999", admin))).toMatchObject({
      status: 404,
      body: { detail: "shipment 999 not found" },
    });
    expect((await t.get("/api/shipments/order/999", admin)).status).toBe(404);
    expect((await t.get("/api/shipments/track/BZ000000000000", admin)).status).toBe(404);
    expect((await t.get("/api/shipments/track/XX123", admin)).status).toBe(400);
    expect((await t.get("/api/shipments/0", admin)).status).toBe(400);
  });
});

describe("PATCH /api/shipments/:id/status", () => {
  it("moves a shipment scheduled -> dispatched -> delivered and emits an event for each step", async () => {
    const { id, tracking_number } = await shipmentOfOrder(102);
    const dispatched = await json(
      await patch(`/api/shipments/${id}/status`, { status: "dispatched" }, staff),
    );
    expect(dispatched).toMatchObject({
      status: 200,
      body: { message: "Shipment dispatched", id, status: "dispatched" },
    });
    const delivered = await json(await patch(`/api/shipments/${id}/status`, { status: "delivered" }, admin));
    expect(delivered.body.status).toBe("delivered");

    const events = (await t.emitted()).filter((e) => e.data["shipment_id"] === id);
    expect(events.map((e) => [e.type, e.subject])).toEqual([
      ["bazaar.shipment.scheduled", "102"],
      ["bazaar.shipment.dispatched", "102"],
      ["bazaar.shipment.delivered", "102"],
    ]);
    expect(events[2]!.data).toEqual({ order_id: 102, customer_id: ALICE, shipment_id: id, tracking_number });
  });

  it("refuses an illegal transition with 409 and a detail, changing nothing", async () => {
    const { id } = await shipmentOfOrder(201);
    const before = (await t.emitted()).length;
    const skip = await json(await patch(`/api/shipments/${id}/status`, { status: "delivered" }, staff));
    expect(skip).toMatchObject({
      status: 409,
      body: { detail: `shipment ${id} is scheduled: it can become dispatched, not delivered` },
    });
    expect((await shipmentOfOrder(201)).status).toBe("scheduled");
    expect((await t.emitted()).length).toBe(before);
  });

  it("is for staff and admins only, with a valid body", async () => {
    const { id } = await shipmentOfOrder(201);
    const path = `/api/shipments/${id}/status`;
    expect((await patch(path, { status: "dispatched" }, alice)).status).toBe(403);
    expect((await patch(path, { status: "dispatched" })).status).toBe(401);
    expect((await patch(path, { status: "cancelled" }, staff)).status).toBe(400);
    expect((await patch(path, { status: "dispatched", extra: 1 }, staff)).status).toBe(400);
    expect((await patch("/api/shipments/999/status", { status: "dispatched" }, staff)).status).toBe(404);
    const wrongType = await t.app.request(path, {
      method: "PATCH",
      headers: { authorization: `Bearer ${staff}`, "content-type": "text/plain" },
      body: "dispatched",
    });
    expect(wrongType.status).toBe(415);
  });
});
