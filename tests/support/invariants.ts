import { call } from "./http";

/**
 * The invariants that say Bazaar lost nothing and did nothing twice, checked on what the functions' admin
 * APIs show. `fetchSnapshot` reads; `checkInvariants` is pure (snapshot in, violations out), so it can be
 * tested on made-up data and reused by any suite that wants to prove the shop is consistent at rest.
 */

/** Order statuses the saga stops in: nothing more happens without a person (staff shipping it). */
export const FINAL_STATUSES = ["confirmed", "shipped", "delivered", "rejected", "cancelled"] as const;
/** Statuses in which the customer has paid and keeps the goods. */
export const PAID_STATUSES = ["confirmed", "shipped", "delivered"] as const;

export interface OrderRecord {
  id: number;
  customerId: number;
  status: string;
  paymentStatus: string;
  totalCents: number;
  items: { productId: number; quantity: number }[];
  /** How many distinct bazaar.payment.succeeded events the order's timeline holds (undefined: not read). */
  paymentSucceededEvents?: number;
}

export interface ProductRecord {
  id: number;
  quantity: number;
  reserved: number;
  sold: number;
}

export interface PaymentRecord {
  id: number;
  orderId: number;
  status: string;
  amountCents: number;
  refundedCents: number;
}

export interface ShipmentRecord {
  id: number;
  orderId: number;
  status: string;
}

export interface DeadLetterRecord {
  id: number;
  eventId: string;
  eventType: string;
  subject: string | null;
  replayed: boolean;
}

export interface Snapshot {
  orders: OrderRecord[];
  products: ProductRecord[];
  payments: PaymentRecord[];
  shipments: ShipmentRecord[];
  deadLetters: DeadLetterRecord[];
}

export interface Expectations {
  /** Products in scope with their stock before the run (no manual stock changes during it). */
  initialStock: Record<number, number>;
  /** Orders in scope are those of these customers; every order when undefined. */
  customers?: ReadonlySet<number>;
  /** Order ids the clients were answered 202 for: each must exist. */
  acceptedOrders: readonly number[];
  /** Placements whose answer the client never got (it gave up): each may or may not have made an order. */
  unansweredPlacements: number;
  /** Ids of events the run dead-lettered on purpose; every other dead letter must have been replayed. */
  expectedDeadLetters?: ReadonlySet<string>;
}

export type InvariantName =
  | "order-final"
  | "order-accepted-exists"
  | "no-phantom-orders"
  | "stock-balance"
  | "stock-reserved"
  | "stock-sold"
  | "money"
  | "charged-once"
  | "one-shipment"
  | "dead-letter-accounted";

export interface Violation {
  invariant: InvariantName;
  subject: string;
  detail: string;
}

const isIn = (statuses: readonly string[], status: string): boolean => statuses.includes(status);

function groupBy<T>(rows: readonly T[], key: (row: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

/** Every violation of every invariant; an empty list means the shop is consistent. */
export function checkInvariants(snapshot: Snapshot, expected: Expectations): Violation[] {
  const orders = snapshot.orders.filter((o) => !expected.customers || expected.customers.has(o.customerId));
  const context = {
    orders,
    knownOrderIds: new Set(snapshot.orders.map((o) => o.id)),
    paymentsByOrder: groupBy(snapshot.payments, (p) => p.orderId),
    shipmentsByOrder: groupBy(snapshot.shipments, (s) => s.orderId),
  };
  return [
    ...ordersAreFinal(orders),
    ...acceptedOrdersExist(context.knownOrderIds, expected),
    ...noPhantomOrders(orders, expected),
    ...stockAddsUp(snapshot.products, orders, expected),
    ...moneyAddsUp(context),
    ...chargedOnce(context),
    ...oneShipmentPerPaidOrder(context),
    ...deadLettersAccountedFor(snapshot.deadLetters, expected),
  ];
}

function ordersAreFinal(orders: OrderRecord[]): Violation[] {
  return orders
    .filter((o) => !isIn(FINAL_STATUSES, o.status))
    .map((o) => ({
      invariant: "order-final",
      subject: `order ${o.id}`,
      detail: `still ${o.status} (payment ${o.paymentStatus})`,
    }));
}

function acceptedOrdersExist(orderIds: Set<number>, expected: Expectations): Violation[] {
  return expected.acceptedOrders
    .filter((id) => !orderIds.has(id))
    .map((id) => ({
      invariant: "order-accepted-exists",
      subject: `order ${id}`,
      detail: "the client was answered 202 for it, but the order function does not know it",
    }));
}

/** A client retry must find its first order (Idempotency-Key), never make a second one. */
function noPhantomOrders(orders: OrderRecord[], expected: Expectations): Violation[] {
  const accepted = new Set(expected.acceptedOrders);
  const unknown = orders.filter((o) => !accepted.has(o.id));
  if (unknown.length <= expected.unansweredPlacements) return [];
  return [
    {
      invariant: "no-phantom-orders",
      subject: "orders",
      detail:
        `${unknown.length} orders no client was answered for (${unknown.map((o) => o.id).join(", ")}), ` +
        `but only ${expected.unansweredPlacements} placements went unanswered`,
    },
  ];
}

/**
 * Per product: on hand plus sold is the stock it started with; nothing stays reserved once every order is
 * final; sold is exactly what the paid orders hold.
 */
function stockAddsUp(products: ProductRecord[], orders: OrderRecord[], expected: Expectations): Violation[] {
  const violations: Violation[] = [];
  const soldByOrders = new Map<number, number>();
  for (const order of orders.filter((o) => isIn(PAID_STATUSES, o.status)))
    for (const item of order.items)
      soldByOrders.set(item.productId, (soldByOrders.get(item.productId) ?? 0) + item.quantity);
  for (const [id, initial] of Object.entries(expected.initialStock).map(
    ([k, v]) => [Number(k), v] as const,
  )) {
    const product = products.find((p) => p.id === id);
    const subject = `product ${id}`;
    if (!product) {
      violations.push({ invariant: "stock-balance", subject, detail: "missing from the catalog" });
      continue;
    }
    const { quantity, reserved, sold } = product;
    if (quantity + sold !== initial || quantity < 0)
      violations.push({
        invariant: "stock-balance",
        subject,
        detail: `on hand ${quantity} + sold ${sold} = ${quantity + sold}, but it started with ${initial}`,
      });
    if (reserved !== 0)
      violations.push({
        invariant: "stock-reserved",
        subject,
        detail: `${reserved} still reserved although every order is final (on hand ${quantity})`,
      });
    const paid = soldByOrders.get(id) ?? 0;
    if (sold !== paid)
      violations.push({
        invariant: "stock-sold",
        subject,
        detail: `sold ${sold}, but confirmed, shipped and delivered orders hold ${paid}`,
      });
  }
  return violations;
}

interface OrderContext {
  orders: OrderRecord[];
  /** Every order the order function lists, in scope or not. */
  knownOrderIds: Set<number>;
  paymentsByOrder: Map<number, PaymentRecord[]>;
  shipmentsByOrder: Map<number, ShipmentRecord[]>;
}

const CAPTURED = new Set(["succeeded", "refunded"]);
const netCents = (payments: PaymentRecord[]): number =>
  payments.reduce((sum, p) => sum + (CAPTURED.has(p.status) ? p.amountCents : 0) - p.refundedCents, 0);

/** Per order: captured minus refunded is its total when it is paid for, and nothing otherwise. */
function moneyAddsUp({ orders, knownOrderIds, paymentsByOrder }: OrderContext): Violation[] {
  const violations: Violation[] = [];
  for (const [orderId, payments] of paymentsByOrder)
    if (!knownOrderIds.has(orderId) && netCents(payments) !== 0)
      violations.push({
        invariant: "money",
        subject: `order ${orderId}`,
        detail: `${netCents(payments)} cents kept for an order the order function does not know`,
      });
  for (const order of orders) {
    const net = netCents(paymentsByOrder.get(order.id) ?? []);
    const owed = isIn(PAID_STATUSES, order.status) ? order.totalCents : 0;
    if (net !== owed)
      violations.push({
        invariant: "money",
        subject: `order ${order.id}`,
        detail: `${order.status} with total ${order.totalCents} cents, but captured minus refunded is ${net}`,
      });
  }
  return violations;
}

function chargedOnce({ orders, paymentsByOrder }: OrderContext): Violation[] {
  const violations: Violation[] = [];
  for (const [orderId, payments] of paymentsByOrder) {
    if (payments.length > 1)
      violations.push({
        invariant: "charged-once",
        subject: `order ${orderId}`,
        detail: `${payments.length} payments (${payments.map((p) => `${p.id}:${p.status}`).join(", ")})`,
      });
    for (const p of payments.filter((p) => p.refundedCents > (CAPTURED.has(p.status) ? p.amountCents : 0)))
      violations.push({
        invariant: "charged-once",
        subject: `payment ${p.id}`,
        detail: `refunded ${p.refundedCents} cents of a ${p.status} payment of ${p.amountCents}`,
      });
  }
  for (const order of orders.filter((o) => (o.paymentSucceededEvents ?? 0) > 1))
    violations.push({
      invariant: "charged-once",
      subject: `order ${order.id}`,
      detail: `its timeline records ${order.paymentSucceededEvents} distinct payment.succeeded events`,
    });
  return violations;
}

/** A paid order has exactly one live shipment; any other order has none (a cancelled one may remain). */
function oneShipmentPerPaidOrder({ orders, knownOrderIds, shipmentsByOrder }: OrderContext): Violation[] {
  const violations: Violation[] = [];
  for (const order of orders) {
    const shipments = shipmentsByOrder.get(order.id) ?? [];
    const live = shipments.filter((s) => s.status !== "cancelled");
    const wanted = isIn(PAID_STATUSES, order.status) ? 1 : 0;
    if (shipments.length > 1 || live.length !== wanted)
      violations.push({
        invariant: "one-shipment",
        subject: `order ${order.id}`,
        detail:
          `${order.status}, with ${shipments.length} shipment(s)` +
          (shipments.length > 0 ? ` (${shipments.map((s) => `${s.id}:${s.status}`).join(", ")})` : "") +
          `; expected ${wanted} not cancelled`,
      });
  }
  for (const [orderId] of shipmentsByOrder) {
    if (!knownOrderIds.has(orderId))
      violations.push({
        invariant: "one-shipment",
        subject: `order ${orderId}`,
        detail: "a shipment exists for an order the order function does not list",
      });
  }
  return violations;
}

/** Every dead letter is either one the run made on purpose or was replayed to its subscriber with a 2xx. */
function deadLettersAccountedFor(letters: DeadLetterRecord[], expected: Expectations): Violation[] {
  return letters
    .filter((d) => !d.replayed && !expected.expectedDeadLetters?.has(d.eventId))
    .map((d) => ({
      invariant: "dead-letter-accounted",
      subject: `dead letter ${d.id}`,
      detail: `${d.eventType} (event ${d.eventId}, subject ${d.subject ?? "-"}) neither expected nor replayed`,
    }));
}

/** Figures for a report: counts by status and the money that moved. */
export function summarise(snapshot: Snapshot, expected: Pick<Expectations, "customers">) {
  const orders = snapshot.orders.filter((o) => !expected.customers || expected.customers.has(o.customerId));
  const byStatus: Record<string, number> = {};
  for (const o of orders) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
  const inScope = new Set(orders.map((o) => o.id));
  const payments = snapshot.payments.filter((p) => inScope.has(p.orderId));
  return {
    orders: orders.length,
    ordersByStatus: byStatus,
    capturedCents: payments.reduce((s, p) => s + (CAPTURED.has(p.status) ? p.amountCents : 0), 0),
    refundedCents: payments.reduce((s, p) => s + p.refundedCents, 0),
    paidOrderTotalCents: orders
      .filter((o) => isIn(PAID_STATUSES, o.status))
      .reduce((s, o) => s + o.totalCents, 0),
    shipments: snapshot.shipments.filter((s) => inScope.has(s.orderId)).length,
    deadLetters: snapshot.deadLetters.length,
    deadLettersReplayed: snapshot.deadLetters.filter((d) => d.replayed).length,
  };
}

// ---- reading the snapshot through the admin APIs ----

export interface SnapshotSources {
  order: string;
  inventory: string;
  payment: string;
  shipping: string;
  deadLetters: string;
}

const cents = (decimal: number): number => Math.round(decimal * 100);

/**
 * Every row of a paged admin list (limit 100, page 1..n, newest first). A row added while paging pushes the
 * others down a page, so the same row can come twice: rows are kept once, by id.
 */
async function allPages<T extends { id: number }>(url: string, field: string, token: string): Promise<T[]> {
  const rows = new Map<number, T>();
  for (let page = 1; ; page++) {
    const separator = url.includes("?") ? "&" : "?";
    const answer = await call("GET", `${url}${separator}limit=100&page=${page}`, { token });
    if (answer.status !== 200) throw new Error(`GET ${url} page ${page}: ${answer.status}`);
    const batch = answer.body[field] as T[];
    for (const row of batch) rows.set(row.id, row);
    if (batch.length < 100) return [...rows.values()];
  }
}

export async function fetchSnapshot(
  sources: SnapshotSources,
  adminToken: string,
  options: { productIds: readonly number[]; timelines?: boolean },
): Promise<Snapshot> {
  const [orders, payments, shipments, deadLetters, products] = await Promise.all([
    allPages<any>(`${sources.order}/api/orders`, "orders", adminToken),
    allPages<any>(`${sources.payment}/api/payments`, "payments", adminToken),
    allPages<any>(`${sources.shipping}/api/shipments`, "shipments", adminToken),
    allPages<any>(`${sources.deadLetters}/api/dead-letters`, "dead_letters", adminToken),
    Promise.all(
      options.productIds.map(async (id) => {
        const answer = await call("GET", `${sources.inventory}/api/products/${id}`);
        if (answer.status !== 200) throw new Error(`GET product ${id}: ${answer.status}`);
        return answer.body;
      }),
    ),
  ]);
  const succeededEvents = async (id: number): Promise<number | undefined> => {
    if (!options.timelines) return undefined;
    const answer = await call("GET", `${sources.order}/api/orders/${id}`, { token: adminToken });
    if (answer.status !== 200) throw new Error(`GET order ${id}: ${answer.status}`);
    return (answer.body.timeline as { event: string }[]).filter((s) => s.event === "bazaar.payment.succeeded")
      .length;
  };
  return {
    orders: await Promise.all(
      orders.map(async (o) => ({
        id: o.id,
        customerId: o.customer_id,
        status: o.status,
        paymentStatus: o.payment_status,
        totalCents: cents(o.total_price),
        items: o.items.map((i: any) => ({ productId: i.product_id, quantity: i.quantity })),
        paymentSucceededEvents: await succeededEvents(o.id),
      })),
    ),
    products: products.map((p) => ({ id: p.id, quantity: p.quantity, reserved: p.reserved, sold: p.sold })),
    payments: payments.map((p) => ({
      id: p.id,
      orderId: p.order_id,
      status: p.status,
      amountCents: cents(p.amount),
      refundedCents: (p.refunds as { amount: number }[]).reduce((s, r) => s + cents(r.amount), 0),
    })),
    shipments: shipments.map((s) => ({ id: s.id, orderId: s.order_id, status: s.status })),
    deadLetters: deadLetters.map((d) => ({
      id: d.id,
      eventId: d.event_id,
      eventType: d.event_type,
      subject: d.subject,
      replayed: d.replayed,
    })),
  };
}
