import { Hono } from "hono";
import * as orderApi from "@bazaar/shared/api/order";
import { principalOf, requireRole, ROLES, visibleOrNotFound } from "@bazaar/shared/auth";
import { Invalid } from "@bazaar/shared/errors";
import { assertJsonMediaType, parseOrThrow, validate, type AppEnv, traceOf } from "@bazaar/shared/http";
import type { OrderDeps } from "../deps";
import type { OrderMetrics } from "../domain/metrics";
import { cancelOnRequest, setStatusByHand } from "../domain/order-changes";
import { orderListJson } from "../domain/order-list";
import { findOrder, itemsOf, orderView, timelineOf, type Order } from "../domain/orders";
import { placeOrder } from "../domain/placement";

const { cancelBody, idempotencyHeaders, idParam, listQuery, placeOrderBody, statusBody } = orderApi;

/** Cancelling needs no body; one may give a reason as JSON. */
async function optionalReason(request: Request): Promise<string | undefined> {
  const raw = await request.text();
  if (!raw.trim()) return undefined;
  assertJsonMediaType(request.headers.get("content-type"));
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
  const placing = { database, outbox, catalog, maxItems: settings.maxItems };

  /** An order with its lines, as every answer about one order shows it. */
  const viewOf = async (order: Order) => orderView(order, await itemsOf(database.db, order.id));

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
        const placed = await placeOrder(
          placing,
          {
            customerId: principalOf(c).id,
            body: c.req.valid("json"),
            idempotencyKey: c.req.valid("header")["idempotency-key"],
          },
          traceOf(c),
        );
        const { order } = placed;
        const answer = {
          ...(await viewOf(order)),
          message: "Order placed; follow its status at the Location URL",
        };
        const location = `/api/orders/${order.id}`;
        if (placed.replayed) return c.json(answer, 202, { location, "idempotent-replayed": "true" });
        metrics.outcomes.inc({ outcome: "placed" });
        c.get("log").info({ order_id: order.id }, "order placed");
        return c.json(answer, 202, { location });
      },
    )

    .get("/", requireRole(...ROLES), validate("query", listQuery), async (c) => {
      const principal = principalOf(c);
      const { limit, page, status, customer_id } = c.req.valid("query");
      // A customer sees only their own orders, whatever they ask for.
      const customerId = principal.role === "customer" ? principal.id : customer_id;
      const answer = await orderListJson(database, { customerId, status, limit, page });
      return c.body(answer, 200, { "content-type": "application/json" });
    })

    .get("/:id", requireRole(...ROLES), validate("param", idParam), async (c) => {
      const order = await visibleOrder(c, c.req.valid("param").id);
      return c.json(
        orderView(order, await itemsOf(database.db, order.id), await timelineOf(database.db, order.id)),
      );
    })

    .post("/:id/cancel", requireRole("customer", "admin"), validate("param", idParam), async (c) => {
      const principal = principalOf(c);
      const { id } = c.req.valid("param");
      const order = visibleOrNotFound(principal, await findOrder(database.db, id), `order ${id}`, "admin");
      const reason =
        (await optionalReason(c.req.raw)) ??
        `cancelled by ${principal.role === "admin" ? "an administrator" : "the customer"}`;
      const cancelled = await cancelOnRequest({ database, outbox }, traceOf(c), order, reason);
      metrics.outcomes.inc({ outcome: "cancelled" });
      return c.json({
        message: "Order cancelled; stock is released and any payment refunded or voided",
        ...(await viewOf(cancelled)),
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
        const updated = await setStatusByHand({ database, outbox }, traceOf(c), {
          id,
          status,
          reason,
          by: principalOf(c).role,
        });
        return c.json({ message: `Order status updated to ${status}`, ...(await viewOf(updated)) });
      },
    );
}
