/**
 * What one order of the happy path sends through the broker, counted from the Trigger manifests the broker
 * routes by. The floor and the signature cost both multiply a per-event cost by these counts.
 */
import { defaultTriggersDir, loadTriggers } from "../../broker";

/** The happy path's events, in the saga's order (DESIGN.md §4). */
export const HAPPY_PATH = [
  "bazaar.order.placed",
  "bazaar.inventory.reserved",
  "bazaar.payment.requested",
  "bazaar.payment.succeeded",
  "bazaar.order.confirmed",
  "bazaar.inventory.committed",
  "bazaar.shipment.scheduled",
] as const;

export interface OrderEvents {
  /** Events an order publishes: one relay POST to the broker each. */
  events: number;
  /** Broker deliveries of those events: one per matching Trigger. */
  deliveries: number;
}

export function orderEvents(): OrderEvents {
  const deliveries = loadTriggers(defaultTriggersDir, { urls: {} }).filter((trigger) =>
    (HAPPY_PATH as readonly string[]).includes(trigger.filter["type"] ?? ""),
  ).length;
  return { events: HAPPY_PATH.length, deliveries };
}
