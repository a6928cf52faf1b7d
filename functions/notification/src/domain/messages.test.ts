import { describe, expect, it } from "vitest";
import { compose, composers, formatMoney } from "./messages";

const items = [
  { product_id: 1, quantity: 1, unit_price_cents: 120_000 },
  { product_id: 2, quantity: 2, unit_price_cents: 2_500 },
];

describe("formatMoney", () => {
  it("shows integer cents as dollars with separators", () => {
    expect(formatMoney(125_000)).toBe("$1,250.00");
    expect(formatMoney(5)).toBe("$0.05");
    expect(formatMoney(0)).toBe("$0.00");
  });
});

describe("message composers", () => {
  it("welcomes a new customer", () => {
    expect(
      composers["bazaar.customer.registered"]({
        customer_id: 3,
        email: "ann@example.com",
        name: "Ann",
        role: "customer",
      }),
    ).toEqual({
      title: "Welcome to Bazaar",
      message: "Welcome, Ann! Your account ann@example.com is ready.",
    });
  });

  it("counts items by quantity and formats the total of an order", () => {
    const data = { order_id: 12, customer_id: 3, items, total_cents: 125_000, shipping_address: null };
    expect(composers["bazaar.order.confirmed"](data)).toEqual({
      title: "Order #12 confirmed",
      message: "Your order #12 is confirmed: 3 items, total $1,250.00.",
    });
    expect(
      composers["bazaar.order.placed"]({ ...data, items: [items[0]!], payment_method: "tok_visa" }).message,
    ).toBe(
      "We received your order #12: 1 item, total $1,250.00. We will confirm it once stock and payment are settled.",
    );
  });

  it("fits a reason into the sentence without doubling the full stop", () => {
    expect(
      composers["bazaar.order.rejected"]({ order_id: 7, customer_id: 3, reason: "insufficient stock." })
        .message,
    ).toBe("Your order #7 could not be accepted: insufficient stock.");
    expect(
      composers["bazaar.order.cancelled"]({
        order_id: 7,
        customer_id: 3,
        reason: "cancelled by customer",
        previous_status: "awaiting_payment",
      }).message,
    ).toBe("Your order #7 was cancelled: cancelled by customer.");
    expect(
      composers["bazaar.payment.failed"]({ order_id: 7, customer_id: 3, reason: "  ", code: "x" }).message,
    ).toBe("Your payment for order #7 did not go through: no reason given.");
  });

  it("writes statuses as words", () => {
    expect(
      composers["bazaar.order.status_changed"]({
        order_id: 9,
        customer_id: 3,
        status: "shipped",
        previous_status: "awaiting_payment",
      }),
    ).toEqual({ title: "Order #9 shipped", message: "Your order #9 is now shipped (was awaiting payment)." });
  });

  it("tells payments and refunds in dollars, and a void as no charge", () => {
    const data = { order_id: 9, customer_id: 3, payment_id: 4, amount_cents: 8_050 };
    expect(composers["bazaar.payment.succeeded"](data).message).toBe(
      "We received your payment of $80.50 for order #9.",
    );
    expect(composers["bazaar.payment.refunded"](data).message).toBe(
      "We refunded $80.50 for order #9. It can take a few days to reach your account.",
    );
    expect(composers["bazaar.payment.voided"]({ order_id: 9, customer_id: 3, payment_id: 4 })).toEqual({
      title: "No charge for order #9",
      message: "Order #9 was cancelled before its payment went through, so nothing was charged.",
    });
  });

  it("follows a shipment from scheduled to delivered", () => {
    const base = { order_id: 9, customer_id: 3, shipment_id: 2, tracking_number: "TRK123" };
    expect(
      composers["bazaar.shipment.scheduled"]({
        ...base,
        carrier: "UPS",
        estimated_delivery: "2025-12-01T00:00:00.000Z",
      }).message,
    ).toBe("Your order #9 will ship with UPS, tracking number TRK123; estimated delivery Dec 1, 2025.");
    expect(
      composers["bazaar.shipment.scheduled"]({ ...base, carrier: "UPS", estimated_delivery: "in 3 days" })
        .message,
    ).toMatch(/estimated delivery in 3 days\.$/);
    expect(composers["bazaar.shipment.dispatched"](base).message).toBe(
      "Your order #9 is on its way, tracking number TRK123.",
    );
    expect(composers["bazaar.shipment.delivered"](base)).toEqual({
      title: "Order #9 delivered",
      message: "Your order #9 was delivered (tracking number TRK123). Enjoy!",
    });
  });

  it("files a message under its customer and order", () => {
    expect(
      compose("bazaar.order.rejected", { order_id: 7, customer_id: 3, reason: "out of stock" }),
    ).toMatchObject({ customerId: 3, orderId: 7, title: "Order #7 rejected" });
    expect(
      compose("bazaar.customer.registered", { customer_id: 3, email: "a@b.c", name: "A", role: "customer" }),
    ).toMatchObject({ customerId: 3, orderId: null });
  });
});
