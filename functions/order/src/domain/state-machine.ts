import type { OrderStatus } from "../db/schema";

/**
 * The legal moves of an order. Every change of status goes through `canMove`, so a late, repeated or
 * out-of-order event can never move an order backwards; it is acknowledged as stale instead.
 */
const transitions: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ["awaiting_payment", "rejected", "cancelled"],
  awaiting_payment: ["confirmed", "cancelled"],
  // delivered straight from confirmed: a delivery event may overtake its dispatch event.
  confirmed: ["shipped", "delivered", "cancelled"],
  shipped: ["delivered"],
  delivered: [],
  rejected: [],
  cancelled: [],
};

export const canMove = (from: OrderStatus, to: OrderStatus): boolean => transitions[from].includes(to);

export const isFinal = (status: OrderStatus): boolean => transitions[status].length === 0;

/** Statuses whose stock is held or taken and whose payment may be captured: cancelling them needs compensation. */
export const cancellable = (status: OrderStatus): boolean => canMove(status, "cancelled");
