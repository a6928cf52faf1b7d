import { Hono } from "hono";
import * as shippingApi from "@bazaar/shared/api/shipping";
import { principalOf, requireRole, ROLES, visibleOrNotFound } from "@bazaar/shared/auth";
import { validate, type AppEnv, type Principal, traceOf } from "@bazaar/shared/http";
import type { ShippingDeps } from "../deps";
import { moveByHand } from "../domain/manual-moves";
import { findShipment, listShipments, shipmentView, type Shipment } from "../domain/shipments";

const { idParam, listQuery, orderIdParam, statusBody, trackingParam } = shippingApi;

/** Owners read their shipments; staff and admins read all and move them along. */
export function shipmentRoutes(deps: ShippingDeps): Hono<AppEnv> {
  const { database, outbox } = deps;
  const { db } = database;
  const readers = requireRole(...ROLES);

  /** The shipment; missing or another customer's, the same 404. */
  const viewOwned = (principal: Principal, found: Shipment | undefined, what: string) =>
    shipmentView(visibleOrNotFound(principal, found, what, "staff", "admin"));

  return new Hono<AppEnv>()
    .get("/", readers, validate("query", listQuery), async (c) => {
      const { limit, page, status } = c.req.valid("query");
      const principal = principalOf(c);
      // A customer sees only their own shipments.
      const customerId = principal.role === "customer" ? principal.id : undefined;
      const { shipments, total } = await listShipments(db, { customerId, status, limit, page });
      return c.json({ shipments, page, limit, total });
    })
    .get("/order/:order_id", readers, validate("param", orderIdParam), async (c) => {
      const { order_id } = c.req.valid("param");
      const found = await findShipment(db, { orderId: order_id });
      return c.json(viewOwned(principalOf(c), found, `shipment for order ${order_id}`));
    })
    .get("/track/:tracking_number", readers, validate("param", trackingParam), async (c) => {
      const { tracking_number } = c.req.valid("param");
      const found = await findShipment(db, { trackingNumber: tracking_number });
      return c.json(viewOwned(principalOf(c), found, `shipment ${tracking_number}`));
    })
    .get("/:id", readers, validate("param", idParam), async (c) => {
      const { id } = c.req.valid("param");
      return c.json(viewOwned(principalOf(c), await findShipment(db, { id }), `shipment ${id}`));
    })
    .patch(
      "/:id/status",
      requireRole("staff", "admin"),
      validate("param", idParam),
      validate("json", statusBody),
      async (c) => {
        const { id } = c.req.valid("param");
        const { status } = c.req.valid("json");
        const updated = await moveByHand(outbox, traceOf(c), id, status);
        return c.json({ message: `Shipment ${status}`, ...shipmentView(updated) });
      },
    );
}
