import type { EventData, EventType } from "@bazaar/shared/events";
import { formatUsd } from "@bazaar/shared/money";

/** What a customer reads: a short title and one or two plain sentences. */
export interface Message {
  title: string;
  message: string;
}

/** Every event type that becomes a message (customer.deleted removes messages instead). */
export const notifiedTypes = [
  "bazaar.customer.registered",
  "bazaar.order.placed",
  "bazaar.order.confirmed",
  "bazaar.order.rejected",
  "bazaar.order.cancelled",
  "bazaar.order.status_changed",
  "bazaar.payment.succeeded",
  "bazaar.payment.failed",
  "bazaar.payment.refunded",
  "bazaar.payment.voided",
  "bazaar.shipment.scheduled",
  "bazaar.shipment.dispatched",
  "bazaar.shipment.delivered",
] as const satisfies readonly EventType[];
export type NotifiedType = (typeof notifiedTypes)[number];

// Made on first use, not at start (loading ICU's locale data costs a cold start about 10 ms and 7 MB).
let day: Intl.DateTimeFormat | undefined;

export const formatMoney = formatUsd;

const itemCount = (items: { quantity: number }[]): string => {
  const n = items.reduce((sum, item) => sum + item.quantity, 0);
  return n === 1 ? "1 item" : `${n} items`;
};

/** A reason from another function, fitted into a sentence that ends with our own full stop. */
const clause = (reason: string): string => reason.trim().replace(/[.!?\s]+$/, "") || "no reason given";

/** "awaiting_payment" -> "awaiting payment". */
const statusText = (status: string): string => status.replaceAll("_", " ");

/** An ISO date or date-time as a calendar day; anything else is shown as it came. */
const dayText = (value: string): string => {
  const time = Date.parse(value);
  if (Number.isNaN(time)) return value;
  return (day ??= new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" })).format(time);
};

type Composers = { [T in NotifiedType]: (data: EventData<T>) => Message };

/** One pure function per event type: event data in, readable message out. */
export const composers: Composers = {
  "bazaar.customer.registered": (d) => ({
    title: "Welcome to Bazaar",
    message: `Welcome, ${d.name}! Your account ${d.email} is ready.`,
  }),
  "bazaar.order.placed": (d) => ({
    title: `Order #${d.order_id} received`,
    message:
      `We received your order #${d.order_id}: ${itemCount(d.items)}, total ${formatMoney(d.total_cents)}. ` +
      "We will confirm it once stock and payment are settled.",
  }),
  "bazaar.order.confirmed": (d) => ({
    title: `Order #${d.order_id} confirmed`,
    message: `Your order #${d.order_id} is confirmed: ${itemCount(d.items)}, total ${formatMoney(d.total_cents)}.`,
  }),
  "bazaar.order.rejected": (d) => ({
    title: `Order #${d.order_id} rejected`,
    message: `Your order #${d.order_id} could not be accepted: ${clause(d.reason)}.`,
  }),
  "bazaar.order.cancelled": (d) => ({
    title: `Order #${d.order_id} cancelled`,
    message: `Your order #${d.order_id} was cancelled: ${clause(d.reason)}.`,
  }),
  "bazaar.order.status_changed": (d) => ({
    title: `Order #${d.order_id} ${statusText(d.status)}`,
    message: `Your order #${d.order_id} is now ${statusText(d.status)} (was ${statusText(d.previous_status)}).`,
  }),
  "bazaar.payment.succeeded": (d) => ({
    title: `Payment received for order #${d.order_id}`,
    message: `We received your payment of ${formatMoney(d.amount_cents)} for order #${d.order_id}.`,
  }),
  "bazaar.payment.failed": (d) => ({
    title: `Payment failed for order #${d.order_id}`,
    message: `Your payment for order #${d.order_id} did not go through: ${clause(d.reason)}.`,
  }),
  "bazaar.payment.refunded": (d) => ({
    title: `Refund for order #${d.order_id}`,
    message:
      `We refunded ${formatMoney(d.amount_cents)} for order #${d.order_id}. ` +
      "It can take a few days to reach your account.",
  }),
  "bazaar.payment.voided": (d) => ({
    title: `No charge for order #${d.order_id}`,
    message: `Order #${d.order_id} was cancelled before its payment went through, so nothing was charged.`,
  }),
  "bazaar.shipment.scheduled": (d) => ({
    title: `Shipment scheduled for order #${d.order_id}`,
    message:
      `Your order #${d.order_id} will ship with ${d.carrier}, tracking number ${d.tracking_number}; ` +
      `estimated delivery ${dayText(d.estimated_delivery)}.`,
  }),
  "bazaar.shipment.dispatched": (d) => ({
    title: `Order #${d.order_id} shipped`,
    message: `Your order #${d.order_id} is on its way, tracking number ${d.tracking_number}.`,
  }),
  "bazaar.shipment.delivered": (d) => ({
    title: `Order #${d.order_id} delivered`,
    message: `Your order #${d.order_id} was delivered (tracking number ${d.tracking_number}). Enjoy!`,
  }),
};

/** The message for any notified event, with the ids it is filed under. */
export function compose<T extends NotifiedType>(
  type: T,
  data: EventData<T>,
): Message & { customerId: number; orderId: number | null } {
  const { title, message } = (composers[type] as (d: EventData<T>) => Message)(data);
  return {
    title,
    message,
    customerId: data.customer_id,
    orderId: "order_id" in data ? data.order_id : null,
  };
}
