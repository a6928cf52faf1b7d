import { describe, expect, it } from "vitest";
import { Invalid } from "@bazaar/shared/errors";
import { assertAmountIsTotal, assertCancelled, assertReservedAsOrdered } from "./known-facts";
import type { Order, OrderItem } from "./orders";

const order: Order = {
  id: 12,
  customerId: 5,
  status: "awaiting_payment",
  paymentStatus: "pending",
  shippingStatus: "not_scheduled",
  trackingNumber: null,
  totalCents: 35_000,
  paymentMethod: "tok_visa",
  shippingAddress: null,
  reason: null,
  idempotencyKey: null,
  requestFingerprint: null,
  createdAt: "2025-06-01T12:00:00.000Z",
  updatedAt: "2025-06-01T12:00:00.000Z",
  awaitingPaymentSince: null,
  placedAtMs: 0,
};
const line = (id: number, productId: number, quantity: number): OrderItem => ({
  id,
  orderId: order.id,
  productId,
  productName: `product ${productId}`,
  quantity,
  unitPriceCents: 100,
});

describe("assertAmountIsTotal", () => {
  it("accepts the order's total and refuses any other amount, naming both", () => {
    expect(() => assertAmountIsTotal(order, "bazaar.payment.succeeded", 35_000)).not.toThrow();
    expect(() => assertAmountIsTotal(order, "bazaar.payment.succeeded", 1)).toThrow(
      new Invalid("bazaar.payment.succeeded for order 12 says $0.01, but the order's total is $350.00"),
    );
    expect(() => assertAmountIsTotal(order, "bazaar.payment.refunded", 35_001)).toThrow(Invalid);
    expect(() => assertAmountIsTotal(order, "bazaar.payment.refunded", 0)).toThrow(Invalid);
  });
});

describe("assertCancelled", () => {
  it("accepts a cancelled order and refuses every other status, naming it", () => {
    expect(() => assertCancelled({ ...order, status: "cancelled" }, "bazaar.payment.voided")).not.toThrow();
    expect(() => assertCancelled(order, "bazaar.payment.voided")).toThrow(
      new Invalid("bazaar.payment.voided for order 12, but the order is awaiting_payment, not cancelled"),
    );
    for (const status of ["pending", "confirmed", "shipped", "delivered", "rejected"] as const)
      expect(() => assertCancelled({ ...order, status }, "bazaar.payment.voided")).toThrow(Invalid);
  });
});

describe("assertReservedAsOrdered", () => {
  const items = [line(1, 4, 1), line(2, 2, 3)];

  it("accepts the order's lines in any order, and a product's units however they are split", () => {
    const reserved = [
      { product_id: 2, quantity: 3 },
      { product_id: 4, quantity: 1 },
    ];
    expect(() => assertReservedAsOrdered(order, items, reserved)).not.toThrow();
    const split = [line(1, 4, 1), line(2, 2, 1), line(3, 2, 2)];
    expect(() => assertReservedAsOrdered(order, split, reserved)).not.toThrow();
  });

  it.each([
    [
      "fewer units",
      [
        { product_id: 4, quantity: 1 },
        { product_id: 2, quantity: 2 },
      ],
    ],
    [
      "more units",
      [
        { product_id: 4, quantity: 2 },
        { product_id: 2, quantity: 3 },
      ],
    ],
    ["a line missing", [{ product_id: 4, quantity: 1 }]],
    [
      "another product",
      [
        { product_id: 4, quantity: 1 },
        { product_id: 3, quantity: 3 },
      ],
    ],
    [
      "a line more",
      [
        { product_id: 4, quantity: 1 },
        { product_id: 2, quantity: 3 },
        { product_id: 1, quantity: 1 },
      ],
    ],
  ])("refuses a reservation of %s", (_, reserved) => {
    expect(() => assertReservedAsOrdered(order, items, reserved)).toThrow(Invalid);
  });

  it("says what was held and what was ordered", () => {
    expect(() => assertReservedAsOrdered(order, items, [{ product_id: 4, quantity: 5 }])).toThrow(
      "bazaar.inventory.reserved for order 12 holds 5 of product 4, " +
        "but the order is for 3 of product 2, 1 of product 4",
    );
  });
});
