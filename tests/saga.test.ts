import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devServices } from "../scripts/dev/services";
import { deliver } from "./support/events";
import { call, eventually, pause } from "./support/http";
import { adminToken, newProduct, newShopper, orderReaches, product, type Shopper } from "./support/shop";
import { startSystem, type System } from "./support/system";

/** The whole saga over the embedded broker: every function a real process, driven over HTTP. */
describe("order saga on the embedded broker", () => {
  /** How long tok_slow's charge lasts: long enough for a test to cancel its order while it is under way. */
  const SLOW_MS = 1500;
  let system: System;
  let admin: string;
  let shopper: Shopper;
  let orderUrl: string;
  let inventoryUrl: string;

  beforeAll(async () => {
    system = await startSystem({
      services: [...devServices],
      env: { broker: { BROKER_BACKOFF_DELAY_MS: "300" }, payment: { PAYMENT_SLOW_MS: String(SLOW_MS) } },
    });
    orderUrl = system.url("order");
    inventoryUrl = system.url("inventory");
    admin = await adminToken(system);
    shopper = await newShopper(system.url("customer"));
  });
  afterAll(() => system?.stop());

  const place = (body: unknown, token = shopper.token, headers: Record<string, string> = {}) =>
    call("POST", `${orderUrl}/api/orders`, { token, body, headers });

  it("serves the original README's flow through the gateway, unchanged", async () => {
    const gateway = system.url("gateway");
    const email = `readme-${randomUUID().slice(0, 8)}@example.com`;
    const registered = await call("POST", `${gateway}/auth/register`, {
      body: { name: "Ann", email, password: "a-good-password" },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.message).toBe("User registered successfully");
    const login = await call("POST", `${gateway}/auth/login`, {
      body: { email, password: "a-good-password" },
    });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ email, role: "customer" });
    const placed = await call("POST", `${gateway}/api/orders`, {
      token: login.body.token,
      body: { product_id: 1, quantity: 1 },
    });
    expect(placed.status).toBe(202);
    expect(placed.body).toMatchObject({ product_id: 1, quantity: 1, status: "pending", total_price: 1200 });
    const order = await eventually(async () => {
      const answer = await call("GET", `${gateway}/api/orders/${placed.body.order_id}`, {
        token: login.body.token,
      });
      return answer.body?.status === "confirmed" ? answer.body : undefined;
    });
    expect(order.payment_status).toBe("captured");
  });

  it("confirms an order, schedules its shipment and tells the customer", async () => {
    const productId = await newProduct(inventoryUrl, admin, 10, 25.5);
    const placed = await place({
      items: [{ product_id: productId, quantity: 2 }],
      shipping_address: "1 Test Street",
    });
    expect(placed.status).toBe(202);
    expect(placed.body).toMatchObject({ status: "pending", total_price: 51 });
    expect(placed.headers.get("location")).toBe(`/api/orders/${placed.body.order_id}`);

    const order = await orderReaches(orderUrl, placed.body.order_id, shopper.token, ["confirmed"]);
    expect(order.payment_status).toBe("captured");
    const shipped = await eventually(async () => {
      const answer = await call("GET", `${orderUrl}/api/orders/${order.id}`, { token: shopper.token });
      return answer.body.shipping_status === "scheduled" ? answer.body : undefined;
    });
    expect(shipped.tracking_number).toMatch(/^BZ/);
    expect(shipped.timeline.map((step: { event: string }) => step.event)).toEqual(
      expect.arrayContaining([
        "bazaar.order.placed",
        "bazaar.inventory.reserved",
        "bazaar.payment.succeeded",
        "bazaar.shipment.scheduled",
      ]),
    );

    const stock = await eventually(async () => {
      const p = await product(inventoryUrl, productId);
      return p.quantity === 8 && p.reserved === 0 ? p : undefined;
    });
    expect(stock.available).toBe(8);

    const payments = await call("GET", `${system.url("payment")}/api/payments`, { token: shopper.token });
    expect(
      payments.body.payments.some(
        (p: { order_id: number; status: string }) => p.order_id === order.id && p.status === "succeeded",
      ),
    ).toBe(true);
    const shipments = await call("GET", `${system.url("shipping")}/api/shipments/order/${order.id}`, {
      token: shopper.token,
    });
    expect(shipments.status).toBe(200);

    const notes = await eventually(async () => {
      const answer = await call("GET", `${system.url("notification")}/api/notifications`, {
        token: shopper.token,
      });
      const forOrder = (
        answer.body.notifications as { order_id: number | null; event_type: string }[]
      ).filter((n) => n.order_id === order.id);
      return forOrder.some((n) => n.event_type === "bazaar.shipment.scheduled") ? forOrder : undefined;
    });
    expect(notes.map((n) => n.event_type)).toEqual(
      expect.arrayContaining(["bazaar.order.confirmed", "bazaar.shipment.scheduled"]),
    );
  });

  it("lists a customer's orders, each with its own lines, newest first", async () => {
    const buyer = await newShopper(system.url("customer"));
    const [a, b] = [
      await newProduct(inventoryUrl, admin, 10, 3),
      await newProduct(inventoryUrl, admin, 10, 4),
    ];
    const first = await place({ items: [{ product_id: a, quantity: 1 }] }, buyer.token);
    const second = await place(
      {
        items: [
          { product_id: a, quantity: 2 },
          { product_id: b, quantity: 3 },
        ],
      },
      buyer.token,
    );
    const listed = await call("GET", `${orderUrl}/api/orders`, { token: buyer.token });
    expect(listed.status).toBe(200);
    expect(listed.body.total).toBe(2);
    const lines = (order: { items: { product_id: number; quantity: number }[] }) =>
      order.items.map((item) => [item.product_id, item.quantity]);
    expect(listed.body.orders.map((order: { id: number }) => order.id)).toEqual([
      second.body.order_id,
      first.body.order_id,
    ]);
    expect(listed.body.orders.map(lines)).toEqual([
      [
        [a, 2],
        [b, 3],
      ],
      [[a, 1]],
    ]);
  });

  it("refuses an unknown product and more than the stock with clear problems", async () => {
    const unknown = await place({ product_id: 999_999, quantity: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get("content-type")).toContain("application/problem+json");
    expect(unknown.body.detail).toContain("999999");

    const productId = await newProduct(inventoryUrl, admin, 2);
    const tooMany = await place({ product_id: productId, quantity: 3 });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.detail).toMatch(/3 requested, 2 available/);
  });

  it("cancels an order whose card is declined and releases its stock", async () => {
    const productId = await newProduct(inventoryUrl, admin, 5);
    const placed = await place({ product_id: productId, quantity: 2, payment_method: "tok_chargeDeclined" });
    const order = await orderReaches(orderUrl, placed.body.order_id, shopper.token, ["cancelled"]);
    expect(order.payment_status).toBe("failed");
    expect(order.reason).toMatch(/payment failed/);
    await eventually(async () => {
      const p = await product(inventoryUrl, productId);
      return p.reserved === 0 && p.available === 5 ? p : undefined;
    });
  });

  it("refunds and releases stock when a paid order is cancelled", async () => {
    const productId = await newProduct(inventoryUrl, admin, 5);
    const placed = await place({ product_id: productId, quantity: 1 });
    await orderReaches(orderUrl, placed.body.order_id, shopper.token, ["confirmed"]);
    // Wait until the stock is committed, so the release below is the compensation, not a race.
    const cancelled = await call("POST", `${orderUrl}/api/orders/${placed.body.order_id}/cancel`, {
      token: shopper.token,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");

    const refunded = await eventually(async () => {
      const answer = await call("GET", `${orderUrl}/api/orders/${placed.body.order_id}`, {
        token: shopper.token,
      });
      return answer.body.payment_status === "refunded" ? answer.body : undefined;
    });
    expect(refunded.status).toBe("cancelled");
    await eventually(async () => {
      const p = await product(inventoryUrl, productId);
      return p.available === 5 && p.reserved === 0 ? p : undefined;
    });
    const again = await call("POST", `${orderUrl}/api/orders/${placed.body.order_id}/cancel`, {
      token: shopper.token,
    });
    expect(again.status).toBe(409);
  });

  it("tells an order cancelled before its slow payment went through that the payment was voided", async () => {
    const productId = await newProduct(inventoryUrl, admin, 5);
    const cancel = (id: number) =>
      call("POST", `${orderUrl}/api/orders/${id}/cancel`, { token: shopper.token });
    const paymentOf = async (id: number) =>
      (await call("GET", `${system.url("payment")}/api/payments/order/${id}`, { token: shopper.token })).body;
    const slow = { product_id: productId, quantity: 2, payment_method: "tok_slow" };

    // Cancelled while the charge is with the processor (SLOW_MS): its approval is discarded.
    const during = (await place(slow)).body.order_id as number;
    await eventually(async () => ((await paymentOf(during))?.status === "pending" ? true : undefined));
    expect((await cancel(during)).status).toBe(200);
    // Cancelled straight after placement: payment hears of it before or during the charge; either way, void.
    const straight = (await place(slow)).body.order_id as number;
    expect((await cancel(straight)).status).toBe(200);

    for (const id of [during, straight]) {
      const order = await eventually(
        async () => {
          const answer = await call("GET", `${orderUrl}/api/orders/${id}`, { token: shopper.token });
          return answer.body.payment_status === "voided" ? answer.body : undefined;
        },
        15_000,
        `order ${id} to read payment_status voided`,
      );
      expect(order.status).toBe("cancelled");
      expect(order.timeline.map((step: { event: string }) => step.event)).toContain("bazaar.payment.voided");
      expect((await paymentOf(id)).status).toBe("voided");
    }
    expect(await paymentOf(during)).toMatchObject({ amount: 20, method: "tok_slow" });
    await pause(SLOW_MS); // the processor has answered the slow charge by now: nothing was captured
    for (const id of [during, straight]) {
      const answer = await call("GET", `${orderUrl}/api/orders/${id}`, { token: shopper.token });
      expect([answer.body.status, answer.body.payment_status]).toEqual(["cancelled", "voided"]);
    }
    await eventually(async () => {
      const p = await product(inventoryUrl, productId);
      return p.reserved === 0 && p.available === 5 ? p : undefined;
    });
  });

  it("gives the last unit to exactly one of many concurrent orders", async () => {
    const productId = await newProduct(inventoryUrl, admin, 1);
    const buyers = await Promise.all(Array.from({ length: 6 }, () => newShopper(system.url("customer"))));
    const answers = await Promise.all(
      buyers.map((buyer) => place({ product_id: productId, quantity: 1 }, buyer.token)),
    );
    const accepted = answers.filter((a) => a.status === 202);
    const finals = await Promise.all(
      accepted.map((a, index) =>
        orderReaches(orderUrl, a.body.order_id, buyers[answers.indexOf(a)]?.token ?? "", [
          "confirmed",
          "rejected",
          "cancelled",
        ]).then((o) => ({ index, status: o.status })),
      ),
    );
    expect(finals.filter((o) => o.status === "confirmed")).toHaveLength(1);
    const p = await eventually(async () => {
      const current = await product(inventoryUrl, productId);
      return current.reserved === 0 ? current : undefined;
    });
    expect(p.quantity).toBe(0);
    expect(p.available).toBe(0);
  });

  it("returns the same order for a replayed Idempotency-Key", async () => {
    const key = randomUUID();
    const body = { product_id: 1, quantity: 1 };
    const first = await place(body, shopper.token, { "idempotency-key": key });
    const second = await place(body, shopper.token, { "idempotency-key": key });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.order_id).toBe(first.body.order_id);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const misuse = await place({ product_id: 1, quantity: 2 }, shopper.token, { "idempotency-key": key });
    expect(misuse.status).toBe(409);
  });

  it("applies an event delivered twice only once", async () => {
    const productId = await newProduct(inventoryUrl, admin, 3);
    const placed = await place({ product_id: productId, quantity: 1 });
    await orderReaches(orderUrl, placed.body.order_id, shopper.token, ["confirmed"]);
    const id = randomUUID();
    const dispatched = () =>
      deliver(
        system.eventKeys,
        `${orderUrl}/events`,
        "bazaar.shipment.dispatched",
        {
          order_id: placed.body.order_id,
          customer_id: shopper.id,
          shipment_id: 1,
          tracking_number: "BZTEST",
        },
        { id, source: "/bazaar/shipping" },
      );
    const first = await dispatched();
    const second = await dispatched();
    expect(first.status).toBe(202);
    expect(first.headers.get("x-bazaar-outcome")).toBe("applied");
    expect(second.headers.get("x-bazaar-outcome")).toBe("duplicate");
    const detail = await call("GET", `${orderUrl}/api/orders/${placed.body.order_id}`, {
      token: shopper.token,
    });
    expect(detail.body.status).toBe("shipped");
    expect(
      detail.body.timeline.filter((s: { event: string }) => s.event === "bazaar.shipment.dispatched"),
    ).toHaveLength(1);
  });

  it("finishes the saga when a function is killed mid-way and restarted", async () => {
    const productId = await newProduct(inventoryUrl, admin, 4);
    const payment = system.service("payment");
    await payment.stop("SIGKILL");
    const placed = await place({ product_id: productId, quantity: 1 });
    await orderReaches(orderUrl, placed.body.order_id, shopper.token, ["awaiting_payment"]);
    const order = system.service("order");
    await order.stop("SIGKILL");
    await pause(500);
    await Promise.all([payment.start(), order.start()]);
    const done = await orderReaches(orderUrl, placed.body.order_id, shopper.token, ["confirmed"], 30_000);
    expect(done.payment_status).toBe("captured");
  });
});
