import { and, count, desc, eq, type SQL } from "drizzle-orm";
import type { Db } from "@bazaar/shared/db";
import type { OrderSchema } from "../db";
import { orders, type OrderStatus } from "../db/schema";
import { itemsOfEach, orderView } from "./orders";

export interface OrderListQuery {
  /** Only this customer's orders, if given. */
  customerId: number | undefined;
  status: OrderStatus | undefined;
  limit: number;
  page: number;
}

/** One page of orders, newest first, each with its lines, and how many orders match in all. */
export async function listOrders(
  db: Db<OrderSchema>,
  query: OrderListQuery,
): Promise<{ orders: ReturnType<typeof orderView>[]; total: number }> {
  const filters: SQL[] = [];
  if (query.customerId !== undefined) filters.push(eq(orders.customerId, query.customerId));
  if (query.status) filters.push(eq(orders.status, query.status));
  const where = filters.length > 0 ? and(...filters) : undefined;
  const rows = await db
    .select()
    .from(orders)
    .where(where)
    .orderBy(desc(orders.id))
    .limit(query.limit)
    .offset((query.page - 1) * query.limit);
  const [total] = await db.select({ n: count() }).from(orders).where(where);
  const items = await itemsOfEach(
    db,
    rows.map((order) => order.id),
  );
  return {
    orders: rows.map((order) => orderView(order, items.get(order.id) ?? [])),
    total: total?.n ?? 0,
  };
}
