import { and, asc, count, eq, gt, or, sql, type SQL } from "drizzle-orm";
import type { Db, Tx } from "@bazaar/shared/db";
import { NotFound } from "@bazaar/shared/errors";
import type { InventorySchema } from "../db";
import { products } from "../db/schema";
import { productView, type Product } from "./product-view";

type Reader = Db<InventorySchema> | Tx<InventorySchema>;

export interface ListQuery {
  limit: number;
  /** Offset paging (1-based); ignored when `cursor` is given. */
  page?: number | undefined;
  /** Keyset paging: products with an id after this one. */
  cursor?: number | undefined;
  q?: string | undefined;
}

export async function findProduct(db: Reader, id: number): Promise<Product> {
  const [row] = await db.select().from(products).where(eq(products.id, id));
  if (!row) throw new NotFound(`product ${id} not found`);
  return row;
}

/** Case-insensitive substring match on name, description or SKU; LIKE wildcards in `q` match literally. */
function matching(q: string): SQL | undefined {
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return or(
    ...[products.name, products.description, products.sku].map(
      (column) => sql`${column} like ${pattern} escape '\\'`,
    ),
  );
}

/** One page of the catalog, by id. `next_cursor` is set when more products follow. */
export async function listProducts(db: Reader, query: ListQuery) {
  const { limit } = query;
  const search = query.q ? matching(query.q) : undefined;
  const page = query.cursor === undefined ? (query.page ?? 1) : null;
  const rows = await db
    .select()
    .from(products)
    .where(and(search, query.cursor === undefined ? undefined : gt(products.id, query.cursor)))
    .orderBy(asc(products.id))
    .limit(limit + 1) // one more tells whether another page follows
    .offset(page === null ? 0 : (page - 1) * limit);
  const [total] = await db.select({ n: count() }).from(products).where(search);
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return {
    products: shown.map(productView),
    page,
    limit,
    total: total?.n ?? 0,
    next_cursor: rows.length > limit && last ? last.id : null,
  };
}
