import { and, count, desc, eq, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import { shippingApi } from "@bazaar/shared/api";
import { principalOf, requireRole, visibleOrNotFound } from "@bazaar/shared/auth";
import { NotFound } from "@bazaar/shared/errors";
import { validate, type AppEnv, type Principal, traceOf } from "@bazaar/shared/http";
import { shipments } from "../db/schema";
import type { ShippingDeps } from "../deps";
import { shipmentView } from "../domain/shipments";
import { assertTransition } from "../domain/transitions";

const { idParam, listQuery, orderIdParam, statusBody, trackingParam } = shippingApi;

const eventOf = {
  dispatched: "bazaar.shipment.dispatched",
  delivered: "bazaar.shipment.delivered",
} as const;

/** Owners read their shipments; staff and admins read all and move them along. */
export function shipmentRoutes(deps: ShippingDeps): Hono<AppEnv> {
  const { database, outbox } = deps;
  const { db } = database;
  const readers = requireRole("customer", "staff", "admin");

  /** The shipment; missing or another customer's, the same 404. */
  const viewOwned = async (principal: Principal, where: SQL, what: string) => {
    const [found] = await db.select().from(shipments).where(where);
    return shipmentView(visibleOrNotFound(principal, found, what, "staff", "admin"));
  };

  return new Hono<AppEnv>()
    .get("/", readers, validate("query", listQuery), async (c) => {
      const { limit, page, status } = c.req.valid("query");
      const principal = principalOf(c);
      const where = and(
        principal.role === "customer" ? eq(shipments.customerId, principal.id) : undefined,
        status ? eq(shipments.status, status) : undefined,
      );
      const rows = await db
        .select()
        .from(shipments)
        .where(where)
        .orderBy(desc(shipments.id))
        .limit(limit)
        .offset((page - 1) * limit);
      const [total] = await db.select({ n: count() }).from(shipments).where(where);
      return c.json({ shipments: rows.map(shipmentView), page, limit, total: total?.n ?? 0 });
    })
    .get("/order/:order_id", readers, validate("param", orderIdParam), async (c) => {
      const { order_id } = c.req.valid("param");
      return c.json(
        await viewOwned(principalOf(c), eq(shipments.orderId, order_id), `shipment for order ${order_id}`),
      );
    })
    .get("/track/:tracking_number", readers, validate("param", trackingParam), async (c) => {
      const { tracking_number } = c.req.valid("param");
      return c.json(
        await viewOwned(
          principalOf(c),
          eq(shipments.trackingNumber, tracking_number),
          `shipment ${tracking_number}`,
        ),
      );
    })
    .get("/:id", readers, validate("param", idParam), async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await viewOwned(principalOf(c), eq(shipments.id, id), `shipment ${id}`));
    })
    .patch(
      "/:id/status",
      requireRole("staff", "admin"),
      validate("param", idParam),
      validate("json", statusBody),
      async (c) => {
        const { id } = c.req.valid("param");
        const { status } = c.req.valid("json");
        const trace = traceOf(c);
        const updated = await outbox.write(trace, async (tx, emit) => {
          const [shipment] = await tx.select().from(shipments).where(eq(shipments.id, id));
          if (!shipment) throw new NotFound(`shipment ${id} not found`);
          assertTransition(shipment, status);
          const [row] = await tx
            .update(shipments)
            .set({ status, updatedAt: new Date().toISOString() })
            .where(eq(shipments.id, id))
            .returning();
          if (!row) throw new NotFound(`shipment ${id} not found`);
          emit(
            eventOf[status],
            {
              order_id: row.orderId,
              customer_id: row.customerId,
              shipment_id: row.id,
              tracking_number: row.trackingNumber,
            },
            row.orderId,
          );
          return row;
        });
        return c.json({ message: `Shipment ${status}`, ...shipmentView(updated) });
      },
    );
}
