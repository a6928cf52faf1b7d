import { and, count, desc, eq, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import { orderApi } from "@bazaar/shared/api";
import { principalOf, requireRole, visibleOrNotFound } from "@bazaar/shared/auth";
import { Conflict, Invalid, NotFound } from "@bazaar/shared/errors";
import { parseOrThrow, validate, type AppEnv, traceOf } from "@bazaar/shared/http";
import { orders } from "../db/schema";
import type { OrderDeps } from "../deps";
import type { OrderMetrics } from "../domain/metrics";
import {
  cancelOrder,
  findByIdempotencyKey,
  findOrder,
  itemsOf,
  itemsOfEach,
  moveTo,
  orderView,
  timelineOf,
  type Order,
} from "../domain/orders";
import { fingerprintOf, priceItems, recordPlacedOrder, requestedItems } from "../domain/placement";

const { cancelBody, idempotencyHeaders, idParam, listQuery, placeOrderBody, statusBody } = orderApi;

/** Cancelling needs no body; one may give a reason as JSON. */
async function optionalReason(request: Request): Promise<string | undefined> {
  const raw = await request.text();
  if (!raw.trim()) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Invalid("Malformed JSON in request body");
  }
  return parseOrThrow(cancelBody, parsed, "body")?.reason;
}

export function orderRoutes(deps: OrderDeps, metrics: OrderMetrics): Hono<AppEnv> {
  const { database, outbox, catalog, settings } = deps;

  const placedAnswer = async (order: Order) => ({
    ...orderView(order, await itemsOf(database.db, order.id)),
    message: "Order placed; follow its status at the Location URL",
  });

  /** An order a caller may see: owners see theirs, staff and admin every order, others a 404. */
  const visibleOrder = async (c: Parameters<typeof principalOf>[0], id: number): Promise<Order> =>
    visibleOrNotFound(principalOf(c), await findOrder(database.db, id), `order ${id}`, "staff", "admin");

  return new Hono<AppEnv>()
    .post(
      "/",
      requireRole("customer", "admin"),
      validate("header", idempotencyHeaders),
      validate("json", placeOrderBody),
      async (c) => {
        const principal = principalOf(c);
        const body = c.req.valid("json");
        const key = c.req.valid("header")["idempotency-key"];
        const fingerprint = fingerprintOf(body);

        const replay = async (existing: Order) => {
          if (existing.requestFingerprint !== fingerprint)
            throw new Conflict("this Idempotency-Key was already used with a different request");
          return c.json(await placedAnswer(existing), 202, {
            location: `/api/orders/${existing.id}`,
            "idempotent-replayed": "true",
          });
        };
        if (key) {
          const existing = await findByIdempotencyKey(database.db, principal.id, key);
          if (existing) return replay(existing);
        }

        const wanted = requestedItems(body);
        if (wanted.length > settings.maxItems)
          throw new Invalid(`an order holds at most ${settings.maxItems} different products`);
        const items = await priceItems(catalog, wanted, traceOf(c));

        const placed = await outbox.write(traceOf(c), async (tx, emit) => {
          // Checked again inside the write: two requests with one key may race past the check above.
          const raced = key ? await findByIdempotencyKey(tx, principal.id, key) : undefined;
          if (raced) return { order: raced, replayed: true };
          const order = await recordPlacedOrder(tx, emit, {
            customerId: principal.id,
            items,
            paymentMethod: body.payment_method ?? "tok_visa",
            shippingAddress: body.shipping_address ?? null,
            idempotencyKey: key ?? null,
            requestFingerprint: fingerprint,
          });
          return { order, replayed: false };
        });
        if (placed.replayed) return replay(placed.order);
        metrics.outcomes.inc({ outcome: "placed" });
        c.get("log").info({ order_id: placed.order.id }, "order placed");
        return c.json(await placedAnswer(placed.order), 202, { location: `/api/orders/${placed.order.id}` });
      },
    )

    .get("/", requireRole("customer", "staff", "admin"), validate("query", listQuery), async (c) => {
      const principal = principalOf(c);
      const { limit, page, status, customer_id } = c.req.valid("query");
      const filters: SQL[] = [];
      // A customer sees only their own orders, whatever they ask for.
      const owner = principal.role === "customer" ? principal.id : customer_id;
      if (owner !== undefined) filters.push(eq(orders.customerId, owner));
      if (status) filters.push(eq(orders.status, status));
      const where = filters.length > 0 ? and(...filters) : undefined;
      const rows = await database.db
        .select()
        .from(orders)
        .where(where)
        .orderBy(desc(orders.id))
        .limit(limit)
        .offset((page - 1) * limit);
      const [total] = await database.db.select({ n: count() }).from(orders).where(where);
      const items = await itemsOfEach(
        database.db,
        rows.map((order) => order.id),
      );
      const list = rows.map((order) => orderView(order, items.get(order.id) ?? []));
      return c.json({ orders: list, page, limit, total: total?.n ?? 0 });
    })

    .get("/:id", requireRole("customer", "staff", "admin"), validate("param", idParam), async (c) => {
      const order = await visibleOrder(c, c.req.valid("param").id);
      return c.json(
        orderView(order, await itemsOf(database.db, order.id), await timelineOf(database.db, order.id)),
      );
    })

    .post("/:id/cancel", requireRole("customer", "admin"), validate("param", idParam), async (c) => {
      const principal = principalOf(c);
      const { id } = c.req.valid("param");
      const order = visibleOrNotFound(principal, await findOrder(database.db, id), `order ${id}`, "admin");
      const reason = await optionalReason(c.req.raw);
      const cancelled = await outbox.write(traceOf(c), async (tx, emit) => {
        const current = await findOrder(tx, order.id);
        if (!current) throw new NotFound(`order ${order.id} not found`);
        return cancelOrder(
          tx,
          emit,
          current,
          reason ?? `cancelled by ${principal.role === "admin" ? "an administrator" : "the customer"}`,
          "cancel requested",
        );
      });
      if (!cancelled)
        throw new Conflict(`order ${order.id} is ${order.status} and can no longer be cancelled`);
      metrics.outcomes.inc({ outcome: "cancelled" });
      const updated = (await findOrder(database.db, order.id)) as Order;
      return c.json({
        message: "Order cancelled; stock is released and any payment refunded",
        ...orderView(updated, await itemsOf(database.db, order.id)),
      });
    })

    .put(
      "/:id/status",
      requireRole("staff", "admin"),
      validate("param", idParam),
      validate("json", statusBody),
      async (c) => {
        const { id } = c.req.valid("param");
        const { status, reason } = c.req.valid("json");
        const who = principalOf(c).role;
        const changed = await outbox.write(traceOf(c), async (tx, emit) => {
          const order = await findOrder(tx, id);
          if (!order) throw new NotFound(`order ${id} not found`);
          if (status === "cancelled")
            return {
              order,
              ok: await cancelOrder(tx, emit, order, reason ?? `cancelled by ${who}`, "status set by staff"),
            };
          const ok = await moveTo(tx, order, status, {
            event: "status set by staff",
            detail: reason ?? `set to ${status} by ${who}`,
          });
          if (ok)
            emit(
              "bazaar.order.status_changed",
              { order_id: id, customer_id: order.customerId, status, previous_status: order.status },
              id,
            );
          return { order, ok };
        });
        if (!changed.ok)
          throw new Conflict(`order ${id} cannot go from ${changed.order.status} to ${status}`);
        const updated = (await findOrder(database.db, id)) as Order;
        return c.json({
          message: `Order status updated to ${status}`,
          ...orderView(updated, await itemsOf(database.db, id)),
        });
      },
    );
}
