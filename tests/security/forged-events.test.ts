/**
 * Forged CloudEvents, as an attacker on the cluster network would send them: straight to every function that
 * subscribes to the type (as the Trigger manifests say) and to the broker ingress, in both broker modes. Each
 * reproduces an attack that worked before events were signed: a never-paid order confirmed, a captured payment
 * refunded, a payment of one cent, all stock held by an order that does not exist, customers and admins locked
 * out, orders marked delivered, forged dead letters kept for replay. Every forgery must be refused (403 from a
 * function; the broker accepts what it cannot judge, then every subscriber refuses it) and the shop must be
 * exactly as it was before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTriggersDir, loadTriggers } from "../../broker";
import { devServices, type DevService } from "../../scripts/dev/services";
import { producerOf, producers, type EventType, type Producer } from "../../shared/events";
import { binaryEvent, eventKeysIn, signedEvent, signedHeaders } from "../../shared/testing";
import { call, eventually } from "../support/http";
import { rabbitBroker, requireRabbitMQ, type RabbitBroker } from "../support/rabbitmq";
import { adminToken, newProduct, newShopper, orderReaches, type Shopper } from "../support/shop";
import { startSystem, type System } from "../support/system";

/** Who receives each type, from the Trigger manifests (the same routing the brokers use). */
const subscribersOf = (type: EventType): { service: DevService; path: string }[] =>
  loadTriggers(defaultTriggersDir, { urls: {} })
    .filter((trigger) => trigger.filter["type"] === type)
    .map((trigger) => ({
      service: trigger.subscriber.service as DevService,
      path: trigger.subscriber.uri ?? "/events",
    }));

type Message = { headers: Record<string, string>; body: string };
const stranger = eventKeysIn(); // keys the shop has never seen
const otherThan = (producer: Producer): Producer => producers.find((p) => p !== producer) ?? "order";

/** Ways to forge an event: without any key, with one's own, with another function's, or by editing a real one. */
const forgers: [string, (system: System, type: EventType, data: unknown) => Message][] = [
  ["unsigned", (system, type, data) => signedEvent(system.eventKeys, type, data, { unsigned: true })],
  [
    "signed by a key the shop does not know",
    (_system, type, data) => {
      const { headers, body } = binaryEvent(type, data);
      return { headers: signedHeaders(headers, body, stranger.keyOf(producerOf[type])), body };
    },
  ],
  [
    "signed by another function's key",
    (system, type, data) =>
      signedEvent(system.eventKeys, type, data, { signer: otherThan(producerOf[type]) }),
  ],
  [
    "its producer's signature over other data",
    (system, type, data) => {
      const { headers, body } = signedEvent(system.eventKeys, type, data);
      // The last digit, so the data stays valid JSON that only the signature can tell from the original.
      return { headers, body: body.replace(/\d(?=\D*$)/, (digit) => String((Number(digit) + 1) % 10)) };
    },
  ],
];

const figures = { modes: 0, forgeries: 0, deliveries: 0, refused: 0 };
afterAll(() => console.info(`forged events: ${JSON.stringify(figures)}`));

describe.each([["embedded"], ["rabbitmq"]] as const)("forged events, %s broker", (mode) => {
  let system: System;
  let rabbit: RabbitBroker | undefined;
  let admin: string;
  let adminId: number;
  let alice: Shopper;
  let productId: number;
  /** Alice's order waiting for its (slow) payment, and her confirmed one, paid and scheduled for shipping. */
  let unpaid: { id: number; totalCents: number };
  let paid: { id: number; shipmentId: number; tracking: string };

  beforeAll(async () => {
    if (mode === "rabbitmq") {
      await requireRabbitMQ();
      rabbit = rabbitBroker("forged");
    }
    system = await startSystem({
      services: devServices.filter((s) => s !== "gateway"),
      env: {
        // tok_slow keeps the unpaid order waiting for payment longer than this suite runs.
        payment: { PAYMENT_SLOW_MS: "120000" },
        ...(rabbit && { broker: rabbit.env }),
      },
    });
    admin = await adminToken(system);
    adminId = Number(JSON.parse(Buffer.from(admin.split(".")[1] ?? "", "base64url").toString()).sub);
    alice = await newShopper(system.url("customer"));
    productId = await newProduct(system.url("inventory"), admin, 5, 350);

    const place = (payment_method: string) =>
      call("POST", `${system.url("order")}/api/orders`, {
        token: alice.token,
        body: { product_id: productId, quantity: 1, payment_method, shipping_address: "1 Private Road" },
      });
    const first = await place("tok_visa");
    await orderReaches(system.url("order"), first.body.order_id, alice.token, ["confirmed"]);
    const shipment = await eventually(async () => {
      const answer = await call(
        "GET",
        `${system.url("shipping")}/api/shipments/order/${first.body.order_id}`,
        {
          token: alice.token,
        },
      );
      return answer.status === 200 ? answer.body : undefined;
    });
    paid = { id: first.body.order_id, shipmentId: shipment.id, tracking: shipment.tracking_number };
    const second = await place("tok_slow");
    await orderReaches(system.url("order"), second.body.order_id, alice.token, ["awaiting_payment"]);
    unpaid = { id: second.body.order_id, totalCents: 35000 };
    figures.modes++;
  });

  afterAll(async () => {
    await system?.stop();
    await rabbit?.remove();
  });

  /** Everything a forgery could change, read through the functions' own APIs as Alice and the admin. */
  async function shop() {
    const get = async (service: DevService, path: string, token = alice.token) => {
      const { status, body } = await call("GET", `${system.url(service)}${path}`, { token });
      return { status, body };
    };
    const order = async (id: number) => {
      const { status, body } = await get("order", `/api/orders/${id}`);
      return {
        status,
        state: [body.status, body.payment_status, body.shipping_status, body.timeline?.length],
      };
    };
    const payment = await get("payment", `/api/payments/order/${paid.id}`);
    const shipment = await get("shipping", `/api/shipments/order/${paid.id}`);
    const inventory = await get("inventory", `/api/products/${productId}`);
    const notifications = await get("notification", `/api/notifications`);
    return {
      unpaid: await order(unpaid.id),
      paid: await order(paid.id),
      payment: [payment.status, payment.body.status, payment.body.refunds?.length],
      oneCent: (await get("payment", "/api/payments/order/990001", admin)).status,
      shipment: [shipment.status, shipment.body.status],
      stock: [inventory.body.quantity, inventory.body.reserved, inventory.body.available],
      notifications: [notifications.status, notifications.body.total],
      // A closed account or a role change would end these tokens at every function.
      aliceLetIn: await Promise.all(
        (["order", "payment", "shipping", "notification"] as const).map(
          async (s) => (await get(s, "/api/" + pathOf(s))).status,
        ),
      ),
      adminLetIn: await Promise.all(
        (["order", "payment", "shipping", "notification", "dead-letters"] as const).map(
          async (s) => (await get(s, "/api/" + pathOf(s), admin)).status,
        ),
      ),
      deadLetters: (await get("dead-letters", "/api/dead-letters", admin)).body.total,
    };
  }

  const refusedAt = async (service: DevService, type: string): Promise<number> => {
    const { body } = await call<string>("GET", `${system.url(service)}/metrics`);
    const lines = body.split("\n").filter((line) => line.startsWith(`events_refused_total{type="${type}"`));
    return lines.reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
  };

  /** Sends every kind of forgery of `type` to each subscriber and to the broker; all must be refused. */
  async function forge(type: EventType, data: unknown): Promise<void> {
    const subscribers = subscribersOf(type);
    expect(subscribers.length, `${type} has subscribers`).toBeGreaterThan(0);
    const before = await Promise.all(subscribers.map(({ service }) => refusedAt(service, type)));
    for (const [how, forgery] of forgers) {
      for (const { service, path } of subscribers) {
        const { headers, body } = forgery(system, type, data);
        const answer = await call("POST", `${system.url(service)}${path}`, { headers, raw: body });
        expect(answer.status, `${type} ${how}, straight to ${service}`).toBe(403);
        expect(answer.headers.get("content-type")).toBe("application/problem+json");
        figures.deliveries++;
      }
      const { headers, body } = forgery(system, type, data);
      const viaBroker = await call("POST", `${system.url("broker")}/`, { headers, raw: body });
      expect(viaBroker.status, `${type} ${how}, to the broker`).toBe(202);
      figures.forgeries += 1 + subscribers.length;
    }
    // Each subscriber refused every direct forgery and every one the broker delivered.
    const expected = before.map((count) => count + 2 * forgers.length);
    await eventually(
      async () => {
        const now = await Promise.all(subscribers.map(({ service }) => refusedAt(service, type)));
        return now.every((count, i) => count === expected[i]) ? true : undefined;
      },
      15_000,
      `every subscriber of ${type} to refuse ${2 * forgers.length} forgeries`,
    );
    figures.refused += 2 * forgers.length * subscribers.length;
  }

  let before: Awaited<ReturnType<typeof shop>>;
  beforeAll(async () => {
    before = await shop();
  });

  it("confirms no unpaid order on a forged payment.succeeded", async () => {
    await forge("bazaar.payment.succeeded", {
      order_id: unpaid.id,
      customer_id: alice.id,
      payment_id: 1,
      amount_cents: unpaid.totalCents,
    });
    expect(await shop()).toEqual(before);
    expect(before.unpaid.state[0]).toBe("awaiting_payment");
  });

  it("refunds no captured payment on a forged order.cancelled", async () => {
    await forge("bazaar.order.cancelled", {
      order_id: paid.id,
      customer_id: alice.id,
      reason: "forged",
      previous_status: "confirmed",
    });
    expect(await shop()).toEqual(before);
  });

  it("takes no payment of one cent on a forged payment.requested", async () => {
    await forge("bazaar.payment.requested", {
      order_id: 990001,
      customer_id: alice.id,
      amount_cents: 1,
      payment_method: "tok_visa",
    });
    expect(await shop()).toEqual(before);
    expect(before.oneCent).toBe(404);
  });

  it("holds no stock for an order that does not exist", async () => {
    await forge("bazaar.order.placed", {
      order_id: 990002,
      customer_id: alice.id,
      items: [{ product_id: productId, quantity: 3, unit_price_cents: 35000 }],
      total_cents: 105000,
      payment_method: "tok_visa",
      shipping_address: null,
    });
    expect(await shop()).toEqual(before);
  });

  it("locks out no customer and no admin (deletion, role change dated 2099)", async () => {
    await forge("bazaar.customer.deleted", { customer_id: alice.id });
    await forge("bazaar.customer.role_changed", {
      customer_id: adminId,
      role: "customer",
      previous_role: "admin",
      changed_at: "2099-01-01T00:00:00.000Z",
    });
    expect(await shop()).toEqual(before);
    expect([...before.aliceLetIn, ...before.adminLetIn].every((status) => status === 200)).toBe(true);
  });

  it("marks no order dispatched or delivered that never left", async () => {
    const shipment = {
      order_id: paid.id,
      customer_id: alice.id,
      shipment_id: paid.shipmentId,
      tracking_number: paid.tracking,
    };
    await forge("bazaar.shipment.dispatched", shipment);
    await forge("bazaar.shipment.delivered", shipment);
    expect(await shop()).toEqual(before);
  });

  it("keeps no forged dead letter for an admin to replay into the saga", async () => {
    const intake = `${system.url("dead-letters")}/events`;
    const refusedBefore = await refusedAt("dead-letters", "bazaar.payment.succeeded");
    for (const [how, forgery] of forgers) {
      const { headers, body } = forgery(system, "bazaar.payment.succeeded", {
        order_id: unpaid.id,
        customer_id: alice.id,
        payment_id: 1,
        amount_cents: unpaid.totalCents,
      });
      const letter = {
        ...headers,
        "ce-knativeerrordest": `${system.url("order")}/events`,
        "ce-knativeerrorcode": "500",
      };
      const answer = await call("POST", intake, { headers: letter, raw: body });
      expect(answer.status, how).toBe(403);
      figures.forgeries++;
      figures.deliveries++;
      figures.refused++;
    }
    expect(await refusedAt("dead-letters", "bazaar.payment.succeeded")).toBe(refusedBefore + forgers.length);
    expect(await shop()).toEqual(before);
    expect(before.deadLetters).toBe(0);
  });

  it("says so at warn with the event's id, type, source and the reason", () => {
    const refusal = system
      .service("order")
      .logs.filter((line) => line.includes('"event refused"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry["reason"] === "unsigned");
    expect(refusal).toMatchObject({
      level: "warn",
      event_type: expect.stringMatching(/^bazaar\./),
      event_source: expect.stringMatching(/^\/bazaar\//),
      event_id: expect.any(String),
    });
  });
});

function pathOf(service: DevService): string {
  const paths: Partial<Record<DevService, string>> = {
    order: "orders",
    payment: "payments",
    shipping: "shipments",
    notification: "notifications",
    "dead-letters": "dead-letters",
  };
  return paths[service] ?? "";
}
