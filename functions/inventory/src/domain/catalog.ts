import { and, asc, count, eq, gt, or, sql, type SQL } from "drizzle-orm";
import { SQLiteTransaction } from "drizzle-orm/sqlite-core";
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

const prepareProductById = (db: Db<InventorySchema>) =>
  db
    .select()
    .from(products)
    .where(eq(products.id, sql.placeholder("id")))
    .prepare();

const productById = new WeakMap<Db<InventorySchema>, ReturnType<typeof prepareProductById>>();

/**
 * The product, or NotFound. Outside a transaction the statement is built by drizzle once per database and
 * then only run: order placement reads each line's product here, and building the select anew was most of
 * the cost of the read (2026-12-03). A statement prepared on the database would run beside a transaction,
 * not in it (drizzle issue #2826), so a transaction's read builds its own.
 */
export async function findProduct(reader: Reader, id: number): Promise<Product> {
  const row =
    reader instanceof SQLiteTransaction
      ? (await reader.select().from(products).where(eq(products.id, id)))[0]
      : await preparedFor(reader).get({ id });
  if (!row) throw new NotFound(`product ${id} not found`);
  return row;
}

function preparedFor(db: Db<InventorySchema>) {
  let statement = productById.get(db);
  if (!statement) productById.set(db, (statement = prepareProductById(db)));
  return statement;
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
