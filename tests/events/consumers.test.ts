import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceName } from "../../shared/config/services";
import { signedHeaders } from "../../shared/testing";
import { asProducer, deliver, type EventOptions } from "../support/events";
import { call, eventually, pause, type Answer } from "../support/http";
import { adminToken, newProduct, newShopper, product, type Shopper } from "../support/shop";
import { startSink, type Sink } from "../support/sink";
import { startSystem, type System } from "../support/system";

/**
 * The event path at every consumer, with real processes: an event delivered twice, events out of order, an
 * event that comes too late, and malformed ones. Every function publishes to one recording sink instead of
 * the broker, so what each one emits in answer is seen exactly. Outcomes: 202 applied, duplicate or stale;
 * 5xx for anything it cannot process (the broker retries, then dead-letters: nothing is dropped silently).
 */

let sink: Sink;
let system: System;
let admin: string;
let shopper: Shopper;
let nextOrder = 900_000;
const figures = { deliveries: 0, byOutcome: {} as Record<string, number> };

beforeAll(async () => {
  sink = await startSink();
  system = await startSystem({
    services: ["customer", "inventory", "order", "payment", "shipping", "notification", "dead-letters"],
    commonEnv: { K_SINK: sink.url },
    env: { payment: { PAYMENT_SLOW_MS: "50" } },
  });
  admin = await adminToken(system);
  shopper = await newShopper(system.url("customer"));
});

afterAll(async () => {
  console.info(`events: ${JSON.stringify(figures)}`);
  await system?.stop();
  await sink?.stop();
});

const source = (service: string) => `/bazaar/${service}`;

/** dead-letters' /events is its dead-letter intake: the catalog events it consumes come in on their own path. */
const receiverOf = (service: ServiceName) => (service === "dead-letters" ? "/accounts/events" : "/events");

/** Delivers to a function's event receiver and says what it made of it: applied, duplicate, stale, or the status. */
async function to(
  service: ServiceName,
  type: string,
  data: unknown,
  options: EventOptions = {},
): Promise<string> {
  const answer: Answer = await deliver(
    system.eventKeys,
    `${system.url(service)}${receiverOf(service)}`,
    type,
    data,
    options,
  );
  const outcome =
    answer.status === 202 ? (answer.headers.get("x-bazaar-outcome") ?? "202") : String(answer.status);
  figures.deliveries++;
  figures.byOutcome[outcome] = (figures.byOutcome[outcome] ?? 0) + 1;
  return outcome;
}

/** What a function published about an order (after giving its relay a moment). */
async function published(type: string, orderId: number, settleMs = 600) {
  await pause(settleMs);
  return sink.events.filter((e) => e.type === type && e.subject === String(orderId));
}

const placed = (order_id: number, product_id: number, quantity: number) => ({
  order_id,
  customer_id: shopper.id,
  items: [{ product_id, quantity, unit_price_cents: 1000 }],
  total_cents: quantity * 1000,
  payment_method: "tok_visa",
  shipping_address: "1 Event Street",
});
const cancelled = (order_id: number, previous_status = "awaiting_payment") => ({
  order_id,
  customer_id: shopper.id,
  reason: "cancelled in a test",
  previous_status,
});
const confirmed = (order_id: number, product_id: number, quantity: number) => ({
  order_id,
  customer_id: shopper.id,
  items: [{ product_id, quantity, unit_price_cents: 1000 }],
  total_cents: quantity * 1000,
  shipping_address: "1 Event Street",
});

/** Every consumer answers a broken event with a 5xx, so the broker retries it and finally dead-letters it. */
describe("malformed events, at every consumer", () => {
  const consumers: [ServiceName, string][] = [
    ["inventory", "bazaar.order.placed"],
    ["order", "bazaar.payment.succeeded"],
    ["payment", "bazaar.payment.requested"],
    ["shipping", "bazaar.order.confirmed"],
    ["notification", "bazaar.order.confirmed"],
  ];
  const broken: [string, unknown][] = [
    ["data that breaks the schema", { order_id: "one", customer_id: -1 }],
    ["no data", undefined],
    ["a negative order id", { order_id: -1, customer_id: 1 }],
  ];

  it.each(consumers)(
    "%s answers 5xx for bad data and a type it does not handle, 403 for a type no function may emit",
    async (service, type) => {
      for (const [, data] of broken) expect(await to(service, type, data)).toMatch(/^5\d\d$/);
      // Data that is not JSON, signed by its producer: kept (5xx) for the dead letters; unsigned, refused first.
      const notJson = {
        "ce-specversion": "1.0",
        "ce-id": randomUUID(),
        "ce-type": type,
        "content-type": "application/json",
      };
      const signed = asProducer(system.eventKeys, notJson, "{not json");
      const raw = await call("POST", `${system.url(service)}/events`, { headers: signed, raw: "{not json" });
      expect(raw.status).toBeGreaterThanOrEqual(500);
      const { "ce-signature": _signature, ...unsignedHeaders } = signed;
      const unsigned = await call("POST", `${system.url(service)}/events`, {
        headers: unsignedHeaders,
        raw: "{not json",
      });
      expect(unsigned.status).toBe(403);
      // No producer may emit a type the catalog lacks: refused like any forgery, without retry.
      expect(await to(service, "bazaar.order.exploded", { order_id: 1 })).toBe("403");
      expect(
        await to(service, "bazaar.customer.registered", {
          customer_id: 1,
          email: "a@b.c",
          name: "A",
          role: "customer",
        }),
      ).toMatch(service === "notification" ? /^applied$/ : /^5\d\d$/);
      // A CloudEvent without an id cannot be deduplicated: refused as broken, never applied.
      const noId = await call("POST", `${system.url(service)}/events`, {
        headers: {
          "ce-specversion": "1.0",
          "ce-source": "/x",
          "ce-type": type,
          "content-type": "application/json",
        },
        raw: "{}",
      });
      expect(noId.status).toBeGreaterThanOrEqual(500);
      // A request that is not a CloudEvent at all (a broker never sends one) is a plain 400 problem.
      const plain = await call("POST", `${system.url(service)}/events`, { body: { hello: "world" } });
      expect(plain.status).toBe(400);
      expect(plain.headers.get("content-type")).toBe("application/problem+json");
    },
  );
});

describe("inventory", () => {
  it("reserves once for a duplicate, rejects a placement that comes after its cancellation, commits nothing late", async () => {
    const productId = await newProduct(system.url("inventory"), admin, 10);
    const [a, b] = [nextOrder++, nextOrder++];
    const id = randomUUID();
    expect(await to("inventory", "bazaar.order.placed", placed(a, productId, 2), { id })).toBe("applied");
    expect(await to("inventory", "bazaar.order.placed", placed(a, productId, 2), { id })).toBe("duplicate");
    // The same order again under another event id (a republish): already settled, stale.
    expect(await to("inventory", "bazaar.order.placed", placed(a, productId, 2))).toBe("stale");
    expect((await product(system.url("inventory"), productId)).reserved).toBe(2);
    expect(await published("bazaar.inventory.reserved", a)).toHaveLength(1);

    // Reordered: the cancellation overtakes the placement.
    expect(await to("inventory", "bazaar.order.cancelled", cancelled(b, "pending"))).toBe("applied");
    expect(await to("inventory", "bazaar.order.placed", placed(b, productId, 3))).toBe("applied");
    const [rejected] = await published("bazaar.inventory.rejected", b);
    expect(rejected?.data).toMatchObject({ order_id: b, reason: "order cancelled" });
    // Late: a confirmation for an order whose stock was never held commits nothing.
    expect(await to("inventory", "bazaar.order.confirmed", confirmed(b, productId, 3))).toBe("stale");

    // Cancel a, twice: released once; then a late confirmation commits nothing.
    expect(await to("inventory", "bazaar.order.cancelled", cancelled(a))).toBe("applied");
    expect(await to("inventory", "bazaar.order.cancelled", cancelled(a))).toBe("stale");
    expect(await to("inventory", "bazaar.order.confirmed", confirmed(a, productId, 2))).toBe("stale");
    expect(await product(system.url("inventory"), productId)).toMatchObject({
      quantity: 10,
      reserved: 0,
      sold: 0,
    });
    expect(await published("bazaar.inventory.released", a)).toHaveLength(1);
    expect(await published("bazaar.inventory.committed", a, 0)).toHaveLength(0);
  });
});

describe("order", () => {
  /** One unit of a new $10 product: the order's total is 1000 cents. */
  async function placeOrder(): Promise<{ id: number; productId: number }> {
    const productId = await newProduct(system.url("inventory"), admin, 10, 10);
    const answer = await call("POST", `${system.url("order")}/api/orders`, {
      token: shopper.token,
      body: { product_id: productId, quantity: 1 },
    });
    expect(answer.status).toBe(202);
    return { id: answer.body.order_id, productId };
  }
  const statusOf = async (id: number) =>
    (await call("GET", `${system.url("order")}/api/orders/${id}`, { token: admin })).body.status as string;
  const reserved = (order_id: number, product_id: number) => ({
    order_id,
    items: [{ product_id, quantity: 1 }],
  });
  const shipment = (order_id: number) => ({
    order_id,
    customer_id: shopper.id,
    shipment_id: 7,
    tracking_number: "BZ000000000007",
  });

  it("moves once per fact: a duplicate or a republished event requests payment once", async () => {
    const { id, productId } = await placeOrder();
    const eventId = randomUUID();
    const from = { source: source("inventory") };
    expect(
      await to("order", "bazaar.inventory.reserved", reserved(id, productId), { ...from, id: eventId }),
    ).toBe("applied");
    expect(
      await to("order", "bazaar.inventory.reserved", reserved(id, productId), { ...from, id: eventId }),
    ).toBe("duplicate");
    expect(await to("order", "bazaar.inventory.reserved", reserved(id, productId), from)).toBe("stale");
    expect(await statusOf(id)).toBe("awaiting_payment");
    expect(await published("bazaar.payment.requested", id)).toHaveLength(1);
  });

  it("accepts a delivery that overtakes its dispatch, and ignores the late dispatch and late failures", async () => {
    const { id, productId } = await placeOrder();
    await to("order", "bazaar.inventory.reserved", reserved(id, productId), { source: source("inventory") });
    const paid = { order_id: id, customer_id: shopper.id, payment_id: 1, amount_cents: 1000 };
    expect(await to("order", "bazaar.payment.succeeded", paid, { source: source("payment") })).toBe(
      "applied",
    );
    expect(await to("order", "bazaar.shipment.delivered", shipment(id), { source: source("shipping") })).toBe(
      "applied",
    );
    expect(
      await to("order", "bazaar.shipment.dispatched", shipment(id), { source: source("shipping") }),
    ).toBe("stale");
    const failed = { order_id: id, customer_id: shopper.id, reason: "late", code: "card_declined" };
    expect(await to("order", "bazaar.payment.failed", failed, { source: source("payment") })).toBe("stale");
    const rejected = { order_id: id, reason: "late", shortages: [] };
    expect(await to("order", "bazaar.inventory.rejected", rejected, { source: source("inventory") })).toBe(
      "stale",
    );
    expect(await statusOf(id)).toBe("delivered");
    expect(await published("bazaar.order.cancelled", id, 0)).toHaveLength(0);
  });

  it("answers an event about an order it never had as stale, and a broken one with a 5xx that changes nothing", async () => {
    expect(
      await to("order", "bazaar.inventory.reserved", reserved(987_654_321, 1), {
        source: source("inventory"),
      }),
    ).toBe("stale");
    const { id, productId } = await placeOrder();
    const broken = { order_id: id, customer_id: shopper.id, payment_id: 1, amount_cents: -5 };
    expect(await to("order", "bazaar.payment.succeeded", broken, { source: source("payment") })).toMatch(
      /^5\d\d$/,
    );
    expect(await statusOf(id)).toBe("pending");
    // Well formed but untrue: another product reserved, one cent paid for a $10 order (the receiver knows).
    const otherStock = { order_id: id, items: [{ product_id: productId + 1, quantity: 1 }] };
    expect(
      await to("order", "bazaar.inventory.reserved", otherStock, { source: source("inventory") }),
    ).toMatch(/^5\d\d$/);
    const cent = { ...broken, amount_cents: 1 };
    expect(await to("order", "bazaar.payment.succeeded", cent, { source: source("payment") })).toMatch(
      /^5\d\d$/,
    );
    expect(await statusOf(id)).toBe("pending");
  });
});

describe("payment", () => {
  const requested = (order_id: number, payment_method = "tok_visa") => ({
    order_id,
    customer_id: shopper.id,
    amount_cents: 2500,
    payment_method,
  });
  const paymentOf = async (orderId: number) =>
    call("GET", `${system.url("payment")}/api/payments/order/${orderId}`, { token: admin });

  it("charges once for a duplicate and for a second request of the same order", async () => {
    const order = nextOrder++;
    const id = randomUUID();
    expect(await to("payment", "bazaar.payment.requested", requested(order), { id })).toBe("applied");
    expect(await to("payment", "bazaar.payment.requested", requested(order), { id })).toBe("duplicate");
    expect(await to("payment", "bazaar.payment.requested", requested(order, "tok_mastercard"))).toBe("stale");
    const payment = await eventually(async () => {
      const answer = await paymentOf(order);
      return answer.body.status === "succeeded" ? answer.body : undefined;
    });
    expect(payment).toMatchObject({ amount: 25, method: "tok_visa" });
    expect(await published("bazaar.payment.succeeded", order)).toHaveLength(1);
  });

  it("charges nothing for a request that comes after its order's cancellation, and refunds once", async () => {
    const early = nextOrder++;
    expect(await to("payment", "bazaar.order.cancelled", cancelled(early))).toBe("applied");
    expect(await to("payment", "bazaar.payment.requested", requested(early))).toBe("stale");
    expect((await paymentOf(early)).body).toMatchObject({ status: "voided", amount: 0 });
    expect(await published("bazaar.payment.succeeded", early, 300)).toHaveLength(0);

    const paid = nextOrder++;
    await to("payment", "bazaar.payment.requested", requested(paid));
    await eventually(async () => ((await paymentOf(paid)).body.status === "succeeded" ? true : undefined));
    expect(await to("payment", "bazaar.order.cancelled", cancelled(paid, "confirmed"))).toBe("applied");
    expect(await to("payment", "bazaar.order.cancelled", cancelled(paid, "confirmed"))).toBe("stale");
    const refunded = (await paymentOf(paid)).body;
    expect(refunded.status).toBe("refunded");
    expect(refunded.refunds).toHaveLength(1);
    expect(await published("bazaar.payment.refunded", paid)).toHaveLength(1);
  });
});

describe("shipping", () => {
  const shipmentOf = (orderId: number) =>
    call("GET", `${system.url("shipping")}/api/shipments/order/${orderId}`, { token: admin });

  it("schedules one shipment for a duplicate or repeated confirmation, none after a cancellation overtook it", async () => {
    const order = nextOrder++;
    const id = randomUUID();
    expect(await to("shipping", "bazaar.order.confirmed", confirmed(order, 1, 1), { id })).toBe("applied");
    expect(await to("shipping", "bazaar.order.confirmed", confirmed(order, 1, 1), { id })).toBe("duplicate");
    expect(await to("shipping", "bazaar.order.confirmed", confirmed(order, 1, 1))).toBe("stale");
    expect(await published("bazaar.shipment.scheduled", order)).toHaveLength(1);

    const overtaken = nextOrder++;
    expect(await to("shipping", "bazaar.order.cancelled", cancelled(overtaken, "confirmed"))).toBe("applied");
    expect(await to("shipping", "bazaar.order.confirmed", confirmed(overtaken, 1, 1))).toBe("stale");
    expect((await shipmentOf(overtaken)).status).toBe(404);
  });

  it("does not recall a shipment that left: a late cancellation is stale", async () => {
    const order = nextOrder++;
    await to("shipping", "bazaar.order.confirmed", confirmed(order, 1, 1));
    const shipment = (await shipmentOf(order)).body;
    const dispatched = await call("PATCH", `${system.url("shipping")}/api/shipments/${shipment.id}/status`, {
      token: admin,
      body: { status: "dispatched" },
    });
    expect(dispatched.status).toBe(200);
    expect(await to("shipping", "bazaar.order.cancelled", cancelled(order, "confirmed"))).toBe("stale");
    expect((await shipmentOf(order)).body.status).toBe("dispatched");
    expect(await published("bazaar.shipment.cancelled", order, 0)).toHaveLength(0);
  });
});

describe("notification", () => {
  const notesOf = async (customerId: number) =>
    (
      await call("GET", `${system.url("notification")}/api/notifications/customer/${customerId}`, {
        token: admin,
      })
    ).body.notifications as { event_type: string; order_id: number | null }[];

  it("files one message for a duplicate, and none for a customer whose deletion came first", async () => {
    const order = nextOrder++;
    const id = randomUUID();
    const event = confirmed(order, 1, 1);
    expect(await to("notification", "bazaar.order.confirmed", event, { id })).toBe("applied");
    expect(await to("notification", "bazaar.order.confirmed", event, { id })).toBe("duplicate");
    expect((await notesOf(shopper.id)).filter((n) => n.order_id === order)).toHaveLength(1);

    const gone = 770_000 + Math.floor(Math.random() * 1000);
    expect(
      await to(
        "notification",
        "bazaar.customer.deleted",
        { customer_id: gone },
        { source: source("customer") },
      ),
    ).toBe("applied");
    const late = { ...confirmed(nextOrder++, 1, 1), customer_id: gone };
    expect(await to("notification", "bazaar.order.confirmed", late)).toBe("stale");
    expect(await notesOf(gone)).toEqual([]);
  });
});

describe("customer.deleted, at every function that checks whose token it is", () => {
  it.each(["order", "payment", "shipping", "notification", "inventory", "dead-letters"] as const)(
    "%s closes the account once: a redelivery is a duplicate, the same fact again is stale",
    async (service) => {
      const gone = 660_000 + Math.floor(Math.random() * 10_000);
      const id = randomUUID();
      const deleted = (eventId = randomUUID()) =>
        to(
          service,
          "bazaar.customer.deleted",
          { customer_id: gone },
          { id: eventId, source: source("customer") },
        );
      expect(await deleted(id)).toBe("applied");
      expect(await deleted(id)).toBe("duplicate");
      expect(await deleted()).toBe("stale");
      const broken = { customer_id: -1 };
      expect(await to(service, "bazaar.customer.deleted", broken, { source: source("customer") })).toMatch(
        /^5\d\d$/,
      );
    },
  );
});

describe("customer.role_changed, at every function that checks whose token it is", () => {
  it.each(["order", "payment", "shipping", "notification", "inventory", "dead-letters"] as const)(
    "%s keeps the latest change once: a redelivery is a duplicate, an older change is stale",
    async (service) => {
      const demoted = 550_000 + Math.floor(Math.random() * 10_000);
      const at = Date.now();
      const changed = (role: string, ms: number, id = randomUUID()) =>
        to(
          service,
          "bazaar.customer.role_changed",
          { customer_id: demoted, role, previous_role: "admin", changed_at: new Date(ms).toISOString() },
          { id, source: source("customer") },
        );
      const id = randomUUID();
      expect(await changed("staff", at, id)).toBe("applied");
      expect(await changed("staff", at, id)).toBe("duplicate");
      expect(await changed("customer", at - 5_000)).toBe("stale");
      expect(await changed("customer", at + 5_000)).toBe("applied");
      const broken = { customer_id: demoted, role: "root", previous_role: "admin", changed_at: "yesterday" };
      expect(
        await to(service, "bazaar.customer.role_changed", broken, { source: source("customer") }),
      ).toMatch(/^5\d\d$/);
    },
  );
});

describe("dead-letters", () => {
  it("stores a dead letter delivered twice once, and keeps data that is not even JSON", async () => {
    const id = randomUUID();
    const letter = {
      id,
      source: source("order"),
      extensions: { knativeerrordest: "http://inventory/events", knativeerrorcode: "500" },
    };
    const first = await deliver(
      system.eventKeys,
      `${system.url("dead-letters")}/events`,
      "bazaar.order.placed",
      { broken: true },
      letter,
    );
    const again = await deliver(
      system.eventKeys,
      `${system.url("dead-letters")}/events`,
      "bazaar.order.placed",
      { broken: true },
      letter,
    );
    expect([first.status, first.headers.get("x-bazaar-outcome")]).toEqual([202, "stored"]);
    expect([again.status, again.headers.get("x-bazaar-outcome")]).toEqual([202, "duplicate"]);
    const headers = {
      "ce-specversion": "1.0",
      "ce-id": randomUUID(),
      "ce-source": source("order"),
      "ce-type": "bazaar.order.placed",
      "content-type": "application/json",
    };
    const raw = await call("POST", `${system.url("dead-letters")}/events`, {
      headers: signedHeaders(headers, "{not json", system.eventKeys.keyOf("order")),
      raw: "{not json",
    });
    expect(raw.status).toBe(202);
    const listed = await call(
      "GET",
      `${system.url("dead-letters")}/api/dead-letters?type=bazaar.order.placed&limit=100`,
      { token: admin },
    );
    expect(listed.body.dead_letters.filter((d: { event_id: string }) => d.event_id === id)).toHaveLength(1);
    expect(listed.body.dead_letters.some((d: { data: string }) => d.data === "{not json")).toBe(true);
  });
});
