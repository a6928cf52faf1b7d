import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export { outbox, processedEvents } from "@bazaar/shared/events";
export { closedAccounts, roleChanges } from "@bazaar/shared/auth";

/**
 * The catalog and its stock. `quantity` is what is on hand (unsold, reserved or not); `available` is
 * quantity - reserved. The checks make overselling impossible even for a write this code did not foresee.
 */
export const products = sqliteTable(
  "products",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    priceCents: integer("price_cents").notNull(),
    quantity: integer("quantity").notNull().default(0),
    reserved: integer("reserved").notNull().default(0),
    sold: integer("sold").notNull().default(0),
    /** Stored upper-cased, so LAP001 and lap001 are one SKU. */
    sku: text("sku").notNull().unique(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [
    check("products_price_not_negative", sql`${table.priceCents} >= 0`),
    check(
      "products_reserved_within_quantity",
      sql`${table.reserved} >= 0 AND ${table.reserved} <= ${table.quantity}`,
    ),
    check("products_sold_not_negative", sql`${table.sold} >= 0`),
  ],
);

/** One line per (order, product): stock held for an order, then committed (sold) or released. */
export const reservations = sqliteTable(
  "reservations",
  {
    orderId: integer("order_id").notNull(),
    productId: integer("product_id").notNull(),
    quantity: integer("quantity").notNull(),
    status: text("status", { enum: ["held", "committed", "released"] }).notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.orderId, table.productId] }),
    index("reservations_product_status").on(table.productId, table.status),
    check("reservations_quantity_positive", sql`${table.quantity} > 0`),
  ],
);

/**
 * Orders that must never hold stock: rejected at placement (a replayed order.placed must not reserve
 * later), or cancelled before their order.placed arrived (events may come out of order).
 */
export const orderTombstones = sqliteTable("order_tombstones", {
  orderId: integer("order_id").primaryKey(),
  kind: text("kind", { enum: ["rejected", "cancelled"] }).notNull(),
  reason: text("reason").notNull(),
  createdAt: text("created_at").notNull(),
});

/** Who changed on-hand stock by how much and why: the audit trail of manual adjustments. */
export const stockAdjustments = sqliteTable(
  "stock_adjustments",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    productId: integer("product_id").notNull(),
    delta: integer("delta").notNull(),
    reason: text("reason"),
    actorId: integer("actor_id").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (table) => [index("stock_adjustments_product").on(table.productId)],
);
