import type { Database } from "@bazaar/shared/db";
import { Conflict, NotFound } from "@bazaar/shared/errors";
import type { Outbox, TraceContext } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import type { OrderStatus } from "../db/schema";
import { cancelOrder, findOrder, moveTo, type Order } from "./orders";

/** Where an order's changes are written (with their events) and read back. */
export interface OrderStore {
  database: Database<OrderSchema>;
  outbox: Outbox<OrderSchema>;
}

/** The order as it is after a change just committed. */
async function reread(store: OrderStore, id: number): Promise<Order> {
  const order = await findOrder(store.database.db, id);
  if (!order) throw new NotFound(`order ${id} not found`);
  return order;
}

/** Cancels an order its owner or an administrator asked to cancel, while it still can be (else 409). */
export async function cancelOnRequest(
  store: OrderStore,
  trace: TraceContext,
  order: Order,
  reason: string,
): Promise<Order> {
  const cancelled = await store.outbox.write(trace, async (tx, emit) => {
    const current = await findOrder(tx, order.id);
    if (!current) throw new NotFound(`order ${order.id} not found`);
    return cancelOrder(tx, emit, current, reason, "cancel requested");
  });
  if (!cancelled) throw new Conflict(`order ${order.id} is ${order.status} and can no longer be cancelled`);
  return reread(store, order.id);
}

/**
 * Staff set an order's status by hand: along the state machine only (else 409), cancelling with the saga's
 * compensation, any other move announced as order.status_changed.
 */
export async function setStatusByHand(
  store: OrderStore,
  trace: TraceContext,
  change: { id: number; status: OrderStatus; reason: string | undefined; by: string },
): Promise<Order> {
  const { id, status, reason, by } = change;
  const changed = await store.outbox.write(trace, async (tx, emit) => {
    const order = await findOrder(tx, id);
    if (!order) throw new NotFound(`order ${id} not found`);
    if (status === "cancelled")
      return {
        order,
        ok: await cancelOrder(tx, emit, order, reason ?? `cancelled by ${by}`, "status set by staff"),
      };
    const ok = await moveTo(tx, order, status, {
      event: "status set by staff",
      detail: reason ?? `set to ${status} by ${by}`,
    });
    if (ok)
      emit(
        "bazaar.order.status_changed",
        { order_id: id, customer_id: order.customerId, status, previous_status: order.status },
        id,
      );
    return { order, ok };
  });
  if (!changed.ok) throw new Conflict(`order ${id} cannot go from ${changed.order.status} to ${status}`);
  return reread(store, id);
}
