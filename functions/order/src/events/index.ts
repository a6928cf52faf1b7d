import { closeAccount, recordRoleChange } from "@bazaar/shared/auth";
import type { EventHandlers } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import type { OrderMetrics } from "../domain/metrics";
import { onInventoryCommitted } from "./inventory-committed";
import { onInventoryRejected } from "./inventory-rejected";
import { onInventoryReleased } from "./inventory-released";
import { onInventoryReserved } from "./inventory-reserved";
import { onPaymentFailed } from "./payment-failed";
import { onPaymentRefunded } from "./payment-refunded";
import { onPaymentSucceeded } from "./payment-succeeded";
import { onPaymentVoided } from "./payment-voided";
import { onShipmentCancelled } from "./shipment-cancelled";
import { onShipmentDelivered } from "./shipment-delivered";
import { onShipmentDispatched } from "./shipment-dispatched";
import { onShipmentScheduled } from "./shipment-scheduled";

/**
 * The orchestrator's side of the saga (one Trigger each): each event moves the order one legal step and emits
 * the next command; an event that arrives too late, twice, or out of order changes nothing and is stale.
 * Metrics count through `afterCommit`, so an event whose commit failed and is redelivered never counts twice.
 */
export const orderEventHandlers = (metrics: OrderMetrics): EventHandlers<OrderSchema> => ({
  "bazaar.inventory.reserved": onInventoryReserved,
  "bazaar.inventory.rejected": onInventoryRejected(metrics),
  "bazaar.inventory.committed": onInventoryCommitted,
  "bazaar.inventory.released": onInventoryReleased,
  "bazaar.payment.succeeded": onPaymentSucceeded(metrics),
  "bazaar.payment.failed": onPaymentFailed(metrics),
  "bazaar.payment.refunded": onPaymentRefunded,
  "bazaar.payment.voided": onPaymentVoided,
  "bazaar.shipment.scheduled": onShipmentScheduled,
  "bazaar.shipment.dispatched": onShipmentDispatched,
  "bazaar.shipment.delivered": onShipmentDelivered(metrics),
  "bazaar.shipment.cancelled": onShipmentCancelled,
  "bazaar.customer.deleted": closeAccount,
  "bazaar.customer.role_changed": recordRoleChange,
});
