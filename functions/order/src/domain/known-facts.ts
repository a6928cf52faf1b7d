import { Invalid } from "@bazaar/shared/errors";
import { formatUsd } from "@bazaar/shared/money";
import type { Order, OrderItem } from "./orders";

/**
 * What other functions report about an order, checked against what this function knows for certain: an
 * order's total and lines are fixed at placement, so no race makes a true report disagree with them. One
 * that does comes from a buggy or compromised producer (a signature proves who sent it, not that it is
 * true): Invalid makes the receiver answer 5xx and apply nothing, and the broker dead-letters the event
 * where an operator sees it.
 */

/** Payment charges and refunds whole orders, for the amount the order requested: its total. */
export function assertAmountIsTotal(order: Order, eventType: string, amountCents: number): void {
  if (amountCents === order.totalCents) return;
  throw new Invalid(
    `${eventType} for order ${order.id} says ${formatUsd(amountCents)}, ` +
      `but the order's total is ${formatUsd(order.totalCents)}`,
  );
}

/**
 * Payment voids a charge only in answer to order.cancelled, which commits with the cancellation, and a
 * cancelled order stays cancelled: a void for an order in any other status cannot be true.
 */
export function assertCancelled(order: Order, eventType: string): void {
  if (order.status === "cancelled") return;
  throw new Invalid(`${eventType} for order ${order.id}, but the order is ${order.status}, not cancelled`);
}

interface Line {
  product_id: number;
  quantity: number;
}

/** Units per product: an order may name a product twice, a reservation holds one line per product. */
const unitsByProduct = (lines: readonly Line[]): Map<number, number> => {
  const units = new Map<number, number>();
  for (const line of lines) units.set(line.product_id, (units.get(line.product_id) ?? 0) + line.quantity);
  return units;
};

const describeUnits = (units: Map<number, number>): string =>
  [...units]
    .sort(([a], [b]) => a - b)
    .map(([productId, quantity]) => `${quantity} of product ${productId}`)
    .join(", ");

/** Inventory reserves the order's lines exactly, all or nothing. */
export function assertReservedAsOrdered(
  order: Order,
  items: readonly OrderItem[],
  reserved: readonly Line[],
): void {
  const ordered = unitsByProduct(
    items.map((item) => ({ product_id: item.productId, quantity: item.quantity })),
  );
  const held = unitsByProduct(reserved);
  const same = ordered.size === held.size && [...ordered].every(([id, units]) => held.get(id) === units);
  if (same) return;
  throw new Invalid(
    `bazaar.inventory.reserved for order ${order.id} holds ${describeUnits(held)}, ` +
      `but the order is for ${describeUnits(ordered)}`,
  );
}
