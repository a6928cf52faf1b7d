import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver } from "./support/events";
import { call } from "./support/http";
import { adminToken, newShopper } from "./support/shop";
import { startSystem, type System } from "./support/system";

let system: System;
let notification: string;
const tokens: Record<"ann" | "bob" | "admin", string> = { ann: "", bob: "", admin: "" };
const ids = { ann: 0, bob: 0 };

/** An event as the broker delivers it. */
const toNotification = (type: string, data: Record<string, unknown>, id?: string) =>
  deliver(system.eventKeys, `${notification}/events`, type, data, { id });

const listOf = async (token: string, query = "") =>
  call("GET", `${notification}/api/notifications${query}`, { token });

beforeAll(async () => {
  system = await startSystem({ services: ["customer", "notification"] });
  notification = system.url("notification");
  for (const name of ["ann", "bob"] as const) {
    const shopper = await newShopper(system.url("customer"));
    ids[name] = shopper.id;
    tokens[name] = shopper.token;
  }
  tokens.admin = await adminToken(system);
});
afterAll(async () => {
  await system?.stop();
});

describe("notification", () => {
  it("turns each event into one readable message for its customer", async () => {
    const confirmed = {
      order_id: 12,
      customer_id: ids.ann,
      items: [{ product_id: 1, quantity: 2, unit_price_cents: 62_500 }],
      total_cents: 125_000,
      shipping_address: "1 Main St",
    };
    expect((await toNotification("bazaar.order.confirmed", confirmed)).status).toBe(202);
    expect(
      (
        await toNotification("bazaar.payment.failed", {
          order_id: 13,
          customer_id: ids.bob,
          reason: "card declined",
          code: "card_declined",
        })
      ).status,
    ).toBe(202);

    const ann = await listOf(tokens.ann);
    expect(ann.status).toBe(200);
    expect(ann.body.notifications).toEqual([
      expect.objectContaining({
        customer_id: ids.ann,
        order_id: 12,
        event_type: "bazaar.order.confirmed",
        message: "Your order #12 is confirmed: 2 items, total $1,250.00.",
        read: false,
      }),
    ]);
    const bob = await listOf(tokens.bob);
    expect(bob.body.notifications.map((n: any) => n.message)).toEqual([
      "Your payment for order #13 did not go through: card declined.",
    ]);
  });

  it("files a duplicate delivery once", async () => {
    const id = randomUUID();
    const shipped = { order_id: 14, customer_id: ids.bob, shipment_id: 5, tracking_number: "TRK14" };
    expect((await toNotification("bazaar.shipment.dispatched", shipped, id)).status).toBe(202);
    const again = await toNotification("bazaar.shipment.dispatched", shipped, id);
    expect(again.status).toBe(202);
    const { body } = await listOf(tokens.bob);
    expect(body.notifications.filter((n: any) => n.order_id === 14)).toHaveLength(1);
  });

  it("keeps each customer's messages to them, staff and admin", async () => {
    const other = `${notification}/api/notifications/customer/${ids.bob}`;
    expect((await call("GET", other, { token: tokens.ann })).status).toBe(403);
    expect((await listOf(tokens.ann, `?customer_id=${ids.bob}`)).status).toBe(403);
    expect((await call("GET", other)).status).toBe(401);
    const asAdmin = await call("GET", other, { token: tokens.admin });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.notifications.every((n: any) => n.customer_id === ids.bob)).toBe(true);
    expect((await listOf(tokens.admin)).body.total).toBeGreaterThanOrEqual(3);
  });

  it("marks messages read, only by their owner", async () => {
    const [message] = (await listOf(tokens.ann)).body.notifications;
    const path = `${notification}/api/notifications/${message.id}/read`;
    expect((await call("POST", path, { token: tokens.bob })).status).toBe(403);
    const marked = await call("POST", path, { token: tokens.ann });
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ id: message.id, read: true });
    expect((await listOf(tokens.ann, "?unread=true")).body.total).toBe(0);

    const all = await call("POST", `${notification}/api/notifications/read-all`, { token: tokens.bob });
    expect(all.body.marked).toBe(2);
    expect((await listOf(tokens.bob, "?unread=true")).body.notifications).toEqual([]);
  });

  it("forgets a deleted customer's messages", async () => {
    expect((await toNotification("bazaar.customer.deleted", { customer_id: ids.bob })).status).toBe(202);
    const { body } = await listOf(tokens.admin, `?customer_id=${ids.bob}`);
    expect(body.total).toBe(0);
  });

  it("files nothing for a closed account: a late event is stale", async () => {
    const late = { order_id: 15, customer_id: ids.bob, shipment_id: 6, tracking_number: "TRK15" };
    const answer = await toNotification("bazaar.shipment.dispatched", late);
    expect([answer.status, answer.headers.get("x-bazaar-outcome")]).toEqual([202, "stale"]);
    const { body } = await listOf(tokens.admin, `?customer_id=${ids.bob}`);
    expect(body.total).toBe(0);
    const open = await toNotification("bazaar.shipment.dispatched", { ...late, customer_id: ids.ann });
    expect(open.headers.get("x-bazaar-outcome")).toBe("applied");
  });
});
