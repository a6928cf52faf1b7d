import { eq } from "drizzle-orm";
import { closeAccount, recordRoleChange } from "@bazaar/shared/auth";
import type { EventHandlers, HandlerContext } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import { orders } from "../db/schema";
import type { Later } from "../domain/after-commit";
import { assertAmountIsTotal, assertReservedAsOrdered } from "../domain/known-facts";
import type { OrderMetrics } from "../domain/metrics";
import { formatUsd } from "@bazaar/shared/money";
import {
  cancelOrder,
  eventItems,
  findOrder,
  itemsOf,
  moveTo,
  recordStep,
  type Order,
} from "../domain/orders";

type Context = HandlerContext<OrderSchema>;

/** Loads the order an event is about; an event for an order this database never had is stale. */
async function withOrder(
  context: Context,
  orderId: number,
  work: (order: Order) => Promise<boolean>,
): Promise<"stale" | undefined> {
  const order = await findOrder(context.tx, orderId);
  if (!order) {
    context.log.warn({ order_id: orderId }, "event for an unknown order");
    return "stale";
  }
  return (await work(order)) ? undefined : "stale";
}

/** Notes an event on the timeline without changing the status (compensations, shipment bookkeeping). */
async function noteOn(
  context: Context,
  order: Order,
  event: string,
  detail: string,
  changes: Partial<Order> = {},
): Promise<true> {
  if (Object.keys(changes).length > 0)
    await context.tx.update(orders).set(changes).where(eq(orders.id, order.id));
  await recordStep(context.tx, order.id, event, order.status, detail);
  return true;
}

const note = (context: Context, orderId: number, event: string, detail: string, changes?: Partial<Order>) =>
  withOrder(context, orderId, (order) => noteOn(context, order, event, detail, changes));

/**
 * The orchestrator's side of the saga: each event moves the order one legal step and emits the next command;
 * an event that arrives too late, twice, or out of order changes nothing and is acknowledged as stale.
 * Metrics count only once the step has committed (`later`), so a retried event never counts twice.
 */
export function orderEventHandlers(metrics: OrderMetrics, later: Later): EventHandlers<OrderSchema> {
  const count = (context: Context, outcome: string) =>
    later(context.tx, () => metrics.outcomes.inc({ outcome }));
  return {
    "bazaar.customer.deleted": closeAccount,
    "bazaar.customer.role_changed": recordRoleChange,

    "bazaar.inventory.reserved": async (event, context) =>
      withOrder(context, event.data.order_id, async (order) => {
        assertReservedAsOrdered(order, await itemsOf(context.tx, order.id), event.data.items);
        const moved = await moveTo(context.tx, order, "awaiting_payment", {
          event: event.type,
          detail: "stock reserved; payment requested",
          changes: { awaitingPaymentSince: Date.now() },
        });
        if (moved) {
          context.emit(
            "bazaar.payment.requested",
            {
              order_id: order.id,
              customer_id: order.customerId,
              amount_cents: order.totalCents,
              payment_method: order.paymentMethod,
            },
            order.id,
          );
        }
        return moved;
      }),

    "bazaar.inventory.rejected": async (event, context) =>
      withOrder(context, event.data.order_id, async (order) => {
        const reason = event.data.reason;
        const moved = await moveTo(context.tx, order, "rejected", {
          event: event.type,
          detail: reason,
          changes: { reason, paymentStatus: "not_required" },
        });
        if (moved) {
          context.emit(
            "bazaar.order.rejected",
            { order_id: order.id, customer_id: order.customerId, reason },
            order.id,
          );
          count(context, "rejected");
        }
        return moved;
      }),

    "bazaar.payment.succeeded": async (event, context) =>
      withOrder(context, event.data.order_id, async (order) => {
        // Checked even when the order has ended: a capture that cannot be true must reach an operator.
        assertAmountIsTotal(order, event.type, event.data.amount_cents);
        const moved = await moveTo(context.tx, order, "confirmed", {
          event: event.type,
          detail: `payment of ${formatUsd(event.data.amount_cents)} captured`,
          changes: { paymentStatus: "captured", awaitingPaymentSince: null },
        });
        if (!moved) {
          // Paid after the order was cancelled: payment refunds it on order.cancelled; keep the record straight.
          await recordStep(
            context.tx,
            order.id,
            event.type,
            order.status,
            "payment captured after the order ended; it will be refunded",
          );
          return false;
        }
        const items = await itemsOf(context.tx, order.id);
        context.emit(
          "bazaar.order.confirmed",
          {
            order_id: order.id,
            customer_id: order.customerId,
            items: eventItems(items),
            total_cents: order.totalCents,
            shipping_address: order.shippingAddress,
          },
          order.id,
        );
        count(context, "confirmed");
        later(context.tx, () => metrics.placedToConfirmed.observe((Date.now() - order.placedAtMs) / 1000));
        return true;
      }),

    "bazaar.payment.failed": async (event, context) =>
      withOrder(context, event.data.order_id, async (order) => {
        if (order.status !== "awaiting_payment") return false;
        await context.tx.update(orders).set({ paymentStatus: "failed" }).where(eq(orders.id, order.id));
        const cancelled = await cancelOrder(
          context.tx,
          context.emit,
          order,
          `payment failed: ${event.data.reason}`,
          event.type,
        );
        if (cancelled) count(context, "cancelled");
        return cancelled;
      }),

    "bazaar.payment.refunded": async (event, context) =>
      withOrder(context, event.data.order_id, async (order) => {
        assertAmountIsTotal(order, event.type, event.data.amount_cents);
        return noteOn(context, order, event.type, `refunded ${formatUsd(event.data.amount_cents)}`, {
          paymentStatus: "refunded",
        });
      }),
    "bazaar.inventory.committed": async (event, context) =>
      note(context, event.data.order_id, event.type, "stock handed over for shipping"),
    "bazaar.inventory.released": async (event, context) =>
      note(context, event.data.order_id, event.type, "reserved stock released"),
    "bazaar.shipment.cancelled": async (event, context) =>
      note(context, event.data.order_id, event.type, "shipment cancelled", { shippingStatus: "cancelled" }),

    "bazaar.shipment.scheduled": async (event, context) =>
      withOrder(context, event.data.order_id, async (order) => {
        if (order.status !== "confirmed" || order.shippingStatus !== "not_scheduled") return false;
        const { carrier, tracking_number, estimated_delivery } = event.data;
        await context.tx
          .update(orders)
          .set({ shippingStatus: "scheduled", trackingNumber: tracking_number })
          .where(eq(orders.id, order.id));
        await recordStep(
          context.tx,
          order.id,
          event.type,
          order.status,
          `shipment with ${carrier} (${tracking_number}), expected ${estimated_delivery}`,
        );
        return true;
      }),

    "bazaar.shipment.dispatched": async (event, context) =>
      withOrder(context, event.data.order_id, async (order) => {
        const moved = await moveTo(context.tx, order, "shipped", {
          event: event.type,
          detail: `dispatched (${event.data.tracking_number})`,
          changes: { shippingStatus: "dispatched", trackingNumber: event.data.tracking_number },
        });
        if (moved)
          context.emit(
            "bazaar.order.status_changed",
            {
              order_id: order.id,
              customer_id: order.customerId,
              status: "shipped",
              previous_status: order.status,
            },
            order.id,
          );
        return moved;
      }),

    "bazaar.shipment.delivered": async (event, context) =>
      withOrder(context, event.data.order_id, async (order) => {
        const moved = await moveTo(context.tx, order, "delivered", {
          event: event.type,
          detail: "delivered",
          changes: { shippingStatus: "delivered", trackingNumber: event.data.tracking_number },
        });
        if (moved) {
          context.emit(
            "bazaar.order.status_changed",
            {
              order_id: order.id,
              customer_id: order.customerId,
              status: "delivered",
              previous_status: order.status,
            },
            order.id,
          );
          count(context, "delivered");
        }
        return moved;
      }),
  };
}
