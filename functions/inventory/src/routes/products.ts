import { Hono } from "hono";
import * as inventoryApi from "@bazaar/shared/api/inventory";
import { principalOf, requireRole } from "@bazaar/shared/auth";
import { validate, type AppEnv } from "@bazaar/shared/http";
import { toCents } from "@bazaar/shared/money";
import type { InventoryDeps } from "../deps";
import { findProduct, listProducts } from "../domain/catalog";
import { productView } from "../domain/product-view";
import { createProduct, deleteProduct, updateProduct } from "../domain/products";
import { adjustStock } from "../domain/stock";

const { createBody, idParam, listQuery, stockBody, updateBody } = inventoryApi;

/** Cents from whichever price field the body used. */
const centsOf = (body: { price?: number | undefined; price_cents?: number | undefined }) =>
  body.price !== undefined ? toCents(body.price) : body.price_cents;

/** The catalog: anyone reads; admin and staff write; only an admin deletes. */
export function productRoutes(deps: InventoryDeps): Hono<AppEnv> {
  const { database } = deps;

  return new Hono<AppEnv>()
    .get("/", validate("query", listQuery), async (c) =>
      c.json(await listProducts(database.db, c.req.valid("query"))),
    )
    .get("/:id", validate("param", idParam), async (c) =>
      c.json(productView(await findProduct(database.db, c.req.valid("param").id))),
    )
    .post("/", requireRole("admin", "staff"), validate("json", createBody), async (c) => {
      const body = c.req.valid("json");
      const created = await database.write((tx) =>
        createProduct(tx, {
          name: body.name,
          description: body.description ?? "",
          priceCents: centsOf(body) ?? 0,
          quantity: body.quantity ?? 0,
          sku: body.sku,
        }),
      );
      return c.json(
        { message: "Product created successfully", product_id: created.id, ...productView(created) },
        201,
        {
          location: `/api/products/${created.id}`,
        },
      );
    })
    .put(
      "/:id",
      requireRole("admin", "staff"),
      validate("param", idParam),
      validate("json", updateBody),
      async (c) => {
        const { id } = c.req.valid("param");
        const body = c.req.valid("json");
        const priceCents = centsOf(body);
        const updated = await database.write((tx) =>
          updateProduct(tx, id, {
            ...(body.name !== undefined && { name: body.name }),
            ...(body.description !== undefined && { description: body.description }),
            ...(priceCents !== undefined && { priceCents }),
            ...(body.quantity !== undefined && { quantity: body.quantity }),
            ...(body.sku !== undefined && { sku: body.sku }),
          }),
        );
        return c.json({ message: "Product updated successfully", ...productView(updated) });
      },
    )
    .delete("/:id", requireRole("admin"), validate("param", idParam), async (c) => {
      const { id } = c.req.valid("param");
      await database.write((tx) => deleteProduct(tx, id));
      return c.json({ message: "Product deleted successfully", id });
    })
    .post(
      "/:id/stock",
      requireRole("admin", "staff"),
      validate("param", idParam),
      validate("json", stockBody),
      async (c) => {
        const { id } = c.req.valid("param");
        const { delta, reason } = c.req.valid("json");
        const actorId = principalOf(c).id;
        const { product, adjustment } = await database.write((tx) =>
          adjustStock(tx, id, { delta, reason, actorId }),
        );
        return c.json({
          message: "Stock adjusted",
          ...productView(product),
          adjustment: {
            id: adjustment.id,
            delta: adjustment.delta,
            reason: adjustment.reason,
            actor_id: adjustment.actorId,
            created_at: adjustment.createdAt,
          },
        });
      },
    );
}
