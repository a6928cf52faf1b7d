import { and, count, desc, eq, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import { paymentApi } from "@bazaar/shared/api";
import { principalOf, requireRole, visibleOrNotFound } from "@bazaar/shared/auth";
import { validate, type AppEnv, type Principal } from "@bazaar/shared/http";
import { payments } from "../db/schema";
import type { PaymentDeps } from "../deps";
import { paymentViews } from "../domain/payments";

const { idParam, listQuery, orderIdParam } = paymentApi;

/** Payments are read by their owner and by admins; staff have no business with card payments. */
export function paymentRoutes(deps: PaymentDeps): Hono<AppEnv> {
  const { db } = deps.database;
  const readers = requireRole("customer", "admin");

  /** The payment with its refunds; missing or another customer's, the same 404. */
  const viewOwned = async (principal: Principal, where: SQL, what: string) => {
    const [found] = await db.select().from(payments).where(where);
    const payment = visibleOrNotFound(principal, found, what, "admin");
    const [view] = await paymentViews(db, [payment]);
    return view;
  };

  return new Hono<AppEnv>()
    .get("/", readers, validate("query", listQuery), async (c) => {
      const { limit, page, status } = c.req.valid("query");
      const principal = principalOf(c);
      const where = and(
        principal.role === "admin" ? undefined : eq(payments.customerId, principal.id),
        status ? eq(payments.status, status) : undefined,
      );
      const rows = await db
        .select()
        .from(payments)
        .where(where)
        .orderBy(desc(payments.id))
        .limit(limit)
        .offset((page - 1) * limit);
      const [total] = await db.select({ n: count() }).from(payments).where(where);
      return c.json({ payments: await paymentViews(db, rows), page, limit, total: total?.n ?? 0 });
    })
    .get("/order/:order_id", readers, validate("param", orderIdParam), async (c) => {
      const { order_id } = c.req.valid("param");
      return c.json(
        await viewOwned(principalOf(c), eq(payments.orderId, order_id), `payment for order ${order_id}`),
      );
    })
    .get("/:id", readers, validate("param", idParam), async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await viewOwned(principalOf(c), eq(payments.id, id), `payment ${id}`));
    });
}
