import { describe, expect, it } from "vitest";
import {
  checkInvariants,
  summarise,
  type Expectations,
  type InvariantName,
  type Snapshot,
} from "../support/invariants";

/** The checker on made-up shops: a consistent one passes, and each kind of damage is named. */

/** Product 1 started with 10: order 1 bought 2 (paid, shipped), order 2 was cancelled after payment, order 3 rejected. */
function consistentShop(): { snapshot: Snapshot; expected: Expectations } {
  return {
    snapshot: {
      orders: [
        {
          id: 1,
          customerId: 7,
          status: "confirmed",
          paymentStatus: "captured",
          totalCents: 2000,
          items: [{ productId: 1, quantity: 2 }],
          paymentSucceededEvents: 1,
        },
        {
          id: 2,
          customerId: 7,
          status: "cancelled",
          paymentStatus: "refunded",
          totalCents: 1000,
          items: [{ productId: 1, quantity: 1 }],
          paymentSucceededEvents: 1,
        },
        {
          id: 3,
          customerId: 8,
          status: "rejected",
          paymentStatus: "not_required",
          totalCents: 99_000,
          items: [{ productId: 1, quantity: 99 }],
          paymentSucceededEvents: 0,
        },
      ],
      products: [{ id: 1, quantity: 8, reserved: 0, sold: 2 }],
      payments: [
        { id: 1, orderId: 1, status: "succeeded", amountCents: 2000, refundedCents: 0 },
        { id: 2, orderId: 2, status: "refunded", amountCents: 1000, refundedCents: 1000 },
      ],
      shipments: [
        { id: 1, orderId: 1, status: "scheduled" },
        { id: 2, orderId: 2, status: "cancelled" },
      ],
      deadLetters: [
        { id: 1, eventId: "e-1", eventType: "bazaar.order.placed", subject: "9", replayed: true },
      ],
    },
    expected: { initialStock: { 1: 10 }, acceptedOrders: [1, 2, 3], unansweredPlacements: 0 },
  };
}

const namesOf = (snapshot: Snapshot, expected: Expectations): InvariantName[] =>
  [...new Set(checkInvariants(snapshot, expected).map((v) => v.invariant))].sort();

describe("checkInvariants", () => {
  it("finds nothing wrong with a consistent shop", () => {
    const { snapshot, expected } = consistentShop();
    expect(checkInvariants(snapshot, expected)).toEqual([]);
  });

  it.each<[string, (s: Snapshot, e: Expectations) => void, InvariantName[]]>([
    [
      "an order still waiting for payment (and its stock held)",
      (s) => {
        s.orders[0]!.status = "awaiting_payment";
        s.products[0] = { id: 1, quantity: 10, reserved: 2, sold: 0 };
        s.payments.shift();
        s.shipments.shift();
      },
      ["order-final", "stock-reserved"],
    ],
    [
      "a 202 the order function forgot",
      (_, e) => void (e.acceptedOrders = [1, 2, 3, 4]),
      ["order-accepted-exists"],
    ],
    [
      "a client retry that made a second order",
      (s) => {
        s.orders.push({ ...s.orders[2]!, id: 4 });
      },
      ["no-phantom-orders"],
    ],
    ["a unit that vanished from the shelf", (s) => void (s.products[0]!.quantity = 7), ["stock-balance"]],
    [
      "stock sold for an order that was not paid",
      (s) => {
        s.products[0] = { id: 1, quantity: 7, reserved: 0, sold: 3 };
      },
      ["stock-sold"],
    ],
    [
      "a refund that never happened",
      (s) => {
        s.payments[1] = { ...s.payments[1]!, status: "succeeded", refundedCents: 0 };
      },
      ["money"],
    ],
    [
      "a second payment for one order",
      (s) => {
        s.payments.push({ id: 3, orderId: 1, status: "succeeded", amountCents: 2000, refundedCents: 0 });
      },
      ["charged-once", "money"],
    ],
    [
      "two payment.succeeded on one timeline",
      (s) => void (s.orders[0]!.paymentSucceededEvents = 2),
      ["charged-once"],
    ],
    [
      "a refund larger than the charge",
      (s) => {
        s.payments[1]!.refundedCents = 1500;
        s.orders[1]!.totalCents = 1000;
      },
      ["charged-once", "money"],
    ],
    ["a paid order without a shipment", (s) => void s.shipments.shift(), ["one-shipment"]],
    [
      "a live shipment for a cancelled order",
      (s) => void (s.shipments[1]!.status = "scheduled"),
      ["one-shipment"],
    ],
    [
      "a shipment for an order nobody placed",
      (s) => void s.shipments.push({ id: 3, orderId: 42, status: "scheduled" }),
      ["one-shipment"],
    ],
    [
      "money kept for an order nobody placed",
      (s) =>
        void s.payments.push({ id: 3, orderId: 42, status: "succeeded", amountCents: 500, refundedCents: 0 }),
      ["money"],
    ],
    [
      "a dead letter nobody replayed",
      (s) =>
        void s.deadLetters.push({
          id: 2,
          eventId: "e-2",
          eventType: "bazaar.payment.requested",
          subject: "1",
          replayed: false,
        }),
      ["dead-letter-accounted"],
    ],
  ])("names %s", (_, damage, names) => {
    const { snapshot, expected } = consistentShop();
    damage(snapshot, expected);
    expect(namesOf(snapshot, expected)).toEqual(names);
  });

  it("accepts a dead letter the run made on purpose, and an unanswered placement's order", () => {
    const { snapshot, expected } = consistentShop();
    snapshot.deadLetters.push({ id: 2, eventId: "bad", eventType: "x", subject: null, replayed: false });
    snapshot.orders.push({ ...snapshot.orders[2]!, id: 4 });
    expect(
      checkInvariants(snapshot, {
        ...expected,
        expectedDeadLetters: new Set(["bad"]),
        unansweredPlacements: 1,
      }),
    ).toEqual([]);
  });

  it("looks only at the orders of the given customers", () => {
    const { snapshot, expected } = consistentShop();
    snapshot.orders.push({ ...snapshot.orders[0]!, id: 5, customerId: 99, status: "pending" });
    expect(checkInvariants(snapshot, { ...expected, customers: new Set([7, 8]) })).toEqual([]);
    expect(namesOf(snapshot, expected)).toContain("order-final");
  });

  it("says which record is wrong and how", () => {
    const { snapshot, expected } = consistentShop();
    snapshot.products[0]!.reserved = 3;
    expect(checkInvariants(snapshot, expected)).toEqual([
      {
        invariant: "stock-reserved",
        subject: "product 1",
        detail: "3 still reserved although every order is final (on hand 8)",
      },
    ]);
  });
});

describe("summarise", () => {
  it("counts orders by status and the money that moved", () => {
    const { snapshot } = consistentShop();
    expect(summarise(snapshot, {})).toEqual({
      orders: 3,
      ordersByStatus: { confirmed: 1, cancelled: 1, rejected: 1 },
      capturedCents: 3000,
      refundedCents: 1000,
      paidOrderTotalCents: 2000,
      shipments: 2,
      deadLetters: 1,
      deadLettersReplayed: 1,
    });
  });
});
