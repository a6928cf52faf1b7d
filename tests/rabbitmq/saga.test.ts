/**
 * The whole order saga with the broker in RabbitMQ mode: every function a real process, every event through a
 * real RabbitMQ, driven over HTTP. Then the failures the RabbitMQ broker exists for: a subscriber down for a
 * while, the same event published twice, and RabbitMQ itself restarted in the middle of a batch of orders.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devServices } from "../../scripts/dev/services";
import { asProducer } from "../support/events";
import { call, eventually } from "../support/http";
import { rabbitBroker, rabbitmqctl, requireRabbitMQ, type RabbitBroker } from "../support/rabbitmq";
import { adminToken, newProduct, newShopper, orderReaches, product, type Shopper } from "../support/shop";
import { startSystem, type System } from "../support/system";

const FINAL = ["confirmed", "rejected", "cancelled"];

let rabbit: RabbitBroker;
let system: System;
let admin: string;
let shopper: Shopper;
let orderUrl: string;
let inventoryUrl: string;

beforeAll(async () => {
  await requireRabbitMQ();
  rabbit = rabbitBroker("saga");
  system = await startSystem({
    services: devServices.filter((s) => s !== "gateway"),
    env: {
      // 5 retries over about 19 s: long enough for a subscriber to come back, short for a test.
      broker: { ...rabbit.env, BROKER_BACKOFF_DELAY_MS: "300" },
      payment: { PAYMENT_SLOW_MS: "200" },
    },
  });
  orderUrl = system.url("order");
  inventoryUrl = system.url("inventory");
  admin = await adminToken(system);
  shopper = await newShopper(system.url("customer"));
});

afterAll(async () => {
  await rabbitmqctl("start_app"); // RabbitMQ runs again, whatever a failed test left behind
  await system?.stop();
  await rabbit?.remove();
});

const place = (body: unknown) => call("POST", `${orderUrl}/api/orders`, { token: shopper.token, body });
const orderOf = async (id: number) =>
  (await call("GET", `${orderUrl}/api/orders/${id}`, { token: shopper.token })).body;

async function deadLetterIds(): Promise<string[]> {
  const { body } = await call("GET", `${system.url("dead-letters")}/api/dead-letters?limit=100`, {
    token: admin,
  });
  return body.dead_letters.map((d: { event_id: string }) => d.event_id);
}

async function brokerMetric(pattern: RegExp): Promise<number> {
  const { body } = await call<string>("GET", `${system.url("broker")}/metrics`);
  const match = pattern.exec(body);
  return match ? Number(match[1]) : 0;
}

describe("order saga over RabbitMQ", () => {
  it("confirms an order, schedules its shipment and tells the customer", async () => {
    const productId = await newProduct(inventoryUrl, admin, 10, 25.5);
    const placed = await place({
      items: [{ product_id: productId, quantity: 2 }],
      shipping_address: "1 Test St",
    });
    expect(placed.status).toBe(202);
    const order = await orderReaches(orderUrl, placed.body.order_id, shopper.token, ["confirmed"]);
    expect(order.payment_status).toBe("captured");
    await eventually(async () =>
      (await orderOf(order.id)).shipping_status === "scheduled" ? true : undefined,
    );
    await eventually(async () => {
      const p = await product(inventoryUrl, productId);
      return p.quantity === 8 && p.reserved === 0 ? p : undefined;
    });
    await eventually(async () => {
      const { body } = await call("GET", `${system.url("notification")}/api/notifications`, {
        token: shopper.token,
      });
      const types = body.notifications
        .filter((n: { order_id: number | null }) => n.order_id === order.id)
        .map((n: { event_type: string }) => n.event_type);
      return types.includes("bazaar.shipment.scheduled") && types.includes("bazaar.order.confirmed")
        ? true
        : undefined;
    });
  });

  it("cancels an order whose card is declined and releases its stock", async () => {
    const productId = await newProduct(inventoryUrl, admin, 5);
    const placed = await place({ product_id: productId, quantity: 2, payment_method: "tok_chargeDeclined" });
    const order = await orderReaches(orderUrl, placed.body.order_id, shopper.token, ["cancelled"]);
    expect(order.payment_status).toBe("failed");
    await eventually(async () => {
      const p = await product(inventoryUrl, productId);
      return p.reserved === 0 && p.available === 5 ? p : undefined;
    });
  });

  it("tells an order cancelled before its slow payment went through that the payment was voided", async () => {
    const productId = await newProduct(inventoryUrl, admin, 5);
    const placed = await place({ product_id: productId, quantity: 2, payment_method: "tok_slow" });
    const cancelled = await call("POST", `${orderUrl}/api/orders/${placed.body.order_id}/cancel`, {
      token: shopper.token,
    });
    expect(cancelled.status).toBe(200);
    const order = await eventually(async () => {
      const current = await orderOf(placed.body.order_id);
      return current.payment_status === "voided" ? current : undefined;
    });
    expect(order.status).toBe("cancelled");
    await eventually(async () => {
      const p = await product(inventoryUrl, productId);
      return p.reserved === 0 && p.available === 5 ? p : undefined;
    });
  });

  it("applies an event published twice to the broker only once", async () => {
    const productId = await newProduct(inventoryUrl, admin, 3);
    const placed = await place({ product_id: productId, quantity: 1 });
    await orderReaches(orderUrl, placed.body.order_id, shopper.token, ["confirmed"]);
    const id = randomUUID();
    const body = JSON.stringify({
      order_id: placed.body.order_id,
      customer_id: shopper.id,
      shipment_id: 1,
      tracking_number: "BZTWICE",
    });
    const headers = {
      "ce-specversion": "1.0",
      "ce-id": id,
      "ce-type": "bazaar.shipment.dispatched",
      "ce-subject": String(placed.body.order_id),
      "content-type": "application/json",
    };
    const publish = () =>
      call("POST", `${system.url("broker")}/`, {
        headers: asProducer(system.eventKeys, headers, body),
        raw: body,
      });
    expect((await publish()).status).toBe(202);
    expect((await publish()).status).toBe(202);
    const shipped = await orderReaches(orderUrl, placed.body.order_id, shopper.token, ["shipped"]);
    await new Promise((r) => setTimeout(r, 500)); // the second copy has landed by now
    const timeline = (await orderOf(shipped.id)).timeline as { event: string }[];
    expect(timeline.filter((step) => step.event === "bazaar.shipment.dispatched")).toHaveLength(1);
  });

  it("retries the events of a subscriber that is down, and delivers them when it is back", async () => {
    const productId = await newProduct(inventoryUrl, admin, 4);
    const retried = () =>
      brokerMetric(
        /broker_deliveries_total\{trigger="payment-payment-requested",outcome="retried"[^}]*\} (\d+)/,
      );
    const retriedBefore = await retried();
    const payment = system.service("payment");
    await payment.stop("SIGKILL");
    const placed = await place({ product_id: productId, quantity: 1 });
    await orderReaches(orderUrl, placed.body.order_id, shopper.token, ["awaiting_payment"]);
    await eventually(
      async () => ((await retried()) >= retriedBefore + 2 ? true : undefined),
      10_000,
      "retries",
    );
    await payment.start();
    const order = await orderReaches(orderUrl, placed.body.order_id, shopper.token, ["confirmed"], 30_000);
    expect(order.payment_status).toBe("captured");
    expect(await deadLetterIds()).toEqual([]);
  });

  it("loses no order when RabbitMQ restarts in the middle of a batch", async () => {
    const stock = 100;
    const productId = await newProduct(inventoryUrl, admin, stock);
    // Every fourth card is declined: those orders end cancelled, with their stock released.
    const placeOrder = (n: number) =>
      place({
        product_id: productId,
        quantity: 1,
        payment_method: n % 4 === 3 ? "tok_chargeDeclined" : "tok_visa",
      });
    const ids: number[] = [];
    const placeAll = async (from: number, to: number) => {
      const answers = await Promise.all(Array.from({ length: to - from }, (_, k) => placeOrder(from + k)));
      for (const answer of answers) {
        expect(answer.status, JSON.stringify(answer.body)).toBe(202);
        ids.push(answer.body.order_id);
      }
    };

    await placeAll(0, 10);
    await rabbitmqctl("stop_app");
    try {
      await placeAll(10, 20); // accepted by the order function; their events wait in its outbox
      // The broker cannot take events now: 503, so publishers keep them and retry.
      const refused = await call("POST", `${system.url("broker")}/`, {
        headers: {
          "ce-specversion": "1.0",
          "ce-id": randomUUID(),
          "ce-source": "/test",
          "ce-type": "bazaar.x",
        },
        raw: "{}",
      });
      expect(refused.status).toBe(503);
      expect((await call("GET", `${system.url("broker")}/readyz`)).status).toBe(503);
    } finally {
      await rabbitmqctl("start_app");
    }

    const finals = await Promise.all(
      ids.map((id) => orderReaches(orderUrl, id, shopper.token, FINAL, 60_000)),
    );
    const confirmed = finals.filter((o) => o.status === "confirmed").length;
    expect(confirmed).toBe(15);
    expect(finals.filter((o) => o.status === "cancelled")).toHaveLength(5);
    const p = await eventually(async () => {
      const current = await product(inventoryUrl, productId);
      return current.reserved === 0 && current.quantity === stock - confirmed ? current : undefined;
    }, 20_000);
    expect(p.available).toBe(stock - confirmed);
    expect(await deadLetterIds()).toEqual([]);
    expect(await brokerMetric(/broker_transport_reconnects_total\{[^}]*\} (\d+)/)).toBeGreaterThanOrEqual(1);
  });
});
