import { Hono } from "hono";
import * as paymentApi from "@bazaar/shared/api/payment";
import { principalOf, requireRole, visibleOrNotFound } from "@bazaar/shared/auth";
import { validate, type AppEnv, type Principal } from "@bazaar/shared/http";
import type { PaymentDeps } from "../deps";
import { findPayment, listPayments, paymentViews, type Payment } from "../domain/payments";

const { idParam, listQuery, orderIdParam } = paymentApi;

/** Payments are read by their owner and by admins; staff have no business with card payments. */
export function paymentRoutes(deps: PaymentDeps): Hono<AppEnv> {
  const { db } = deps.database;
  const readers = requireRole("customer", "admin");

  /** The payment with its refunds; missing or another customer's, the same 404. */
  const viewOwned = async (principal: Principal, found: Payment | undefined, what: string) => {
    const payment = visibleOrNotFound(principal, found, what, "admin");
    const [view] = await paymentViews(db, [payment]);
    return view;
  };

  return new Hono<AppEnv>()
    .get("/", readers, validate("query", listQuery), async (c) => {
      const { limit, page, status } = c.req.valid("query");
      const principal = principalOf(c);
      // A customer sees only their own payments.
      const customerId = principal.role === "admin" ? undefined : principal.id;
      const { payments, total } = await listPayments(db, { customerId, status, limit, page });
      return c.json({ payments, page, limit, total });
    })
    .get("/order/:order_id", readers, validate("param", orderIdParam), async (c) => {
      const { order_id } = c.req.valid("param");
      const found = await findPayment(db, { orderId: order_id });
      return c.json(await viewOwned(principalOf(c), found, `payment for order ${order_id}`));
    })
    .get("/:id", readers, validate("param", idParam), async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await viewOwned(principalOf(c), await findPayment(db, { id }), `payment ${id}`));
    });
}
