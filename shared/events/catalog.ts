import * as z from "zod";
import { ROLES } from "../auth/roles";

/**
 * Every CloudEvent Bazaar sends, in one place. Producers validate before writing to the outbox and
 * consumers validate on receipt, both against these schemas. type = bazaar.<entity>.<past-tense verb>,
 * subject = the order id (or the customer id for customer events). Money is integer cents.
 */
const id = z.number().int().positive();
const cents = z.number().int().min(0);
const role = z.enum(ROLES);
const item = z.object({ product_id: id, quantity: z.number().int().positive() });
const pricedItem = item.extend({ unit_price_cents: cents });

export const eventCatalog = {
  "bazaar.customer.registered": z.object({
    customer_id: id,
    email: z.string(),
    name: z.string(),
    role: z.string(),
  }),
  "bazaar.customer.deleted": z.object({ customer_id: id }),
  /** Tokens issued before `changed_at` carry `previous_role`: functions refuse them (currentTokensOnly). */
  "bazaar.customer.role_changed": z.object({
    customer_id: id,
    role,
    previous_role: role,
    changed_at: z.iso.datetime(),
  }),

  "bazaar.order.placed": z.object({
    order_id: id,
    customer_id: id,
    items: z.array(pricedItem).min(1),
    total_cents: cents,
    payment_method: z.string(),
    shipping_address: z.string().nullable(),
  }),
  "bazaar.order.confirmed": z.object({
    order_id: id,
    customer_id: id,
    items: z.array(pricedItem).min(1),
    total_cents: cents,
    shipping_address: z.string().nullable(),
  }),
  "bazaar.order.rejected": z.object({ order_id: id, customer_id: id, reason: z.string() }),
  "bazaar.order.cancelled": z.object({
    order_id: id,
    customer_id: id,
    reason: z.string(),
    /** Whether stock was reserved and payment may have been taken: tells consumers what to undo. */
    previous_status: z.string(),
  }),
  "bazaar.order.status_changed": z.object({
    order_id: id,
    customer_id: id,
    status: z.string(),
    previous_status: z.string(),
  }),

  "bazaar.inventory.reserved": z.object({ order_id: id, items: z.array(item).min(1) }),
  "bazaar.inventory.rejected": z.object({
    order_id: id,
    reason: z.string(),
    shortages: z.array(
      z.object({ product_id: id, requested: z.number().int(), available: z.number().int() }),
    ),
  }),
  "bazaar.inventory.released": z.object({ order_id: id }),
  "bazaar.inventory.committed": z.object({ order_id: id }),

  "bazaar.payment.requested": z.object({
    order_id: id,
    customer_id: id,
    amount_cents: cents,
    payment_method: z.string(),
  }),
  "bazaar.payment.succeeded": z.object({
    order_id: id,
    customer_id: id,
    payment_id: id,
    amount_cents: cents,
  }),
  "bazaar.payment.failed": z.object({ order_id: id, customer_id: id, reason: z.string(), code: z.string() }),
  "bazaar.payment.refunded": z.object({ order_id: id, customer_id: id, payment_id: id, amount_cents: cents }),
  /**
   * The answer to order.cancelled when nothing was captured: the charge under way is discarded, or none will
   * be made (payment_id is then the row that stops a late payment.requested). Nothing was taken.
   */
  "bazaar.payment.voided": z.object({ order_id: id, customer_id: id, payment_id: id }),

  "bazaar.shipment.scheduled": z.object({
    order_id: id,
    customer_id: id,
    shipment_id: id,
    carrier: z.string(),
    tracking_number: z.string(),
    estimated_delivery: z.string(),
  }),
  "bazaar.shipment.dispatched": z.object({
    order_id: id,
    customer_id: id,
    shipment_id: id,
    tracking_number: z.string(),
  }),
  "bazaar.shipment.delivered": z.object({
    order_id: id,
    customer_id: id,
    shipment_id: id,
    tracking_number: z.string(),
  }),
  "bazaar.shipment.cancelled": z.object({ order_id: id, customer_id: id, shipment_id: id }),
} as const;

export type EventType = keyof typeof eventCatalog;
export type EventData<T extends EventType> = z.infer<(typeof eventCatalog)[T]>;
export const eventTypes = Object.keys(eventCatalog) as EventType[];
export const isEventType = (type: string): type is EventType => Object.hasOwn(eventCatalog, type);

/** The attributes of a Bazaar CloudEvent once received and checked. */
export interface BazaarEvent<T extends EventType = EventType> {
  id: string;
  source: string;
  type: T;
  subject: string | undefined;
  time: string | undefined;
  data: EventData<T>;
  traceparent: string | undefined;
  correlationid: string | undefined;
}

export const sourceOf = (service: string): string => `/bazaar/${service}`;

/** The functions that emit events: each holds its own signing key. */
export type Producer = "customer" | "inventory" | "order" | "payment" | "shipping";

/**
 * The one function that may emit each type. A receiver refuses an event of this type from any other source,
 * and one signed by any other producer's key, however well formed.
 */
export const producerOf: { readonly [T in EventType]: Producer } = {
  "bazaar.customer.registered": "customer",
  "bazaar.customer.deleted": "customer",
  "bazaar.customer.role_changed": "customer",
  "bazaar.order.placed": "order",
  "bazaar.order.confirmed": "order",
  "bazaar.order.rejected": "order",
  "bazaar.order.cancelled": "order",
  "bazaar.order.status_changed": "order",
  "bazaar.inventory.reserved": "inventory",
  "bazaar.inventory.rejected": "inventory",
  "bazaar.inventory.released": "inventory",
  "bazaar.inventory.committed": "inventory",
  "bazaar.payment.requested": "order",
  "bazaar.payment.succeeded": "payment",
  "bazaar.payment.failed": "payment",
  "bazaar.payment.refunded": "payment",
  "bazaar.payment.voided": "payment",
  "bazaar.shipment.scheduled": "shipping",
  "bazaar.shipment.dispatched": "shipping",
  "bazaar.shipment.delivered": "shipping",
  "bazaar.shipment.cancelled": "shipping",
};

export const producers: readonly Producer[] = [...new Set(Object.values(producerOf))];
