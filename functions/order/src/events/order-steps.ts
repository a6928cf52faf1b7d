import type { HandlerContext, HandlerOutcome } from "@bazaar/shared/events";
import type { OrderSchema } from "../db";
import { findOrder, recordStep, updateOrder, type Order } from "../domain/orders";

/** What every order handler gets: the receiver's context for the order function's database. */
export type Context = HandlerContext<OrderSchema>;

/** "applied" when the step changed the order, "stale" when it was too late or out of order to. */
export const outcomeOf = (changed: boolean): HandlerOutcome => (changed ? "applied" : "stale");

/** Loads the order an event is about; an event for an order this database never had is stale. */
export async function withOrder(
  context: Context,
  orderId: number,
  work: (order: Order) => Promise<HandlerOutcome>,
): Promise<HandlerOutcome> {
  const order = await findOrder(context.tx, orderId);
  if (!order) {
    context.log.warn({ order_id: orderId }, "event for an unknown order");
    return "stale";
  }
  return work(order);
}

/** Notes an event on the timeline without changing the status (compensations, shipment bookkeeping). */
export async function noteOn(
  context: Context,
  order: Order,
  event: string,
  detail: string,
  changes: Partial<Order> = {},
): Promise<HandlerOutcome> {
  if (Object.keys(changes).length > 0) await updateOrder(context.tx, order.id, changes);
  await recordStep(context.tx, order.id, event, order.status, detail);
  return "applied";
}

/** noteOn for the order an event names. */
export const note = (
  context: Context,
  orderId: number,
  event: string,
  detail: string,
  changes?: Partial<Order>,
): Promise<HandlerOutcome> =>
  withOrder(context, orderId, (order) => noteOn(context, order, event, detail, changes));
