import { count, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "@bazaar/shared/db";
import type { InventorySchema } from "../db";
import { products } from "../db/schema";
import { now } from "./product-view";

/** The original's demo catalog, with its ids, prices and stock. */
export const demoCatalog = [
  {
    id: 1,
    name: "Laptop",
    description: "15-inch laptop, 16 GB memory, 512 GB SSD",
    priceCents: 120_000,
    quantity: 50,
    sku: "LAP001",
  },
  {
    id: 2,
    name: "Mouse",
    description: "Wireless optical mouse",
    priceCents: 2_500,
    quantity: 200,
    sku: "MOU001",
  },
  {
    id: 3,
    name: "Keyboard",
    description: "Mechanical keyboard with backlight",
    priceCents: 8_000,
    quantity: 150,
    sku: "KEY001",
  },
  {
    id: 4,
    name: "Monitor",
    description: "27-inch 4K monitor",
    priceCents: 35_000,
    quantity: 75,
    sku: "MON001",
  },
  {
    id: 5,
    name: "Headphones",
    description: "Noise-cancelling over-ear headphones",
    priceCents: 15_000,
    quantity: 100,
    sku: "HEA001",
  },
];

/**
 * Seeds the demo catalog into a fresh database. "Fresh" means no product was ever stored: SQLite keeps the
 * highest AUTOINCREMENT id in sqlite_sequence, so a shop whose staff deleted every product is not refilled
 * with laptops on the next start.
 */
export async function ensureDemoCatalog(
  database: Database<InventorySchema>,
  logger: Logger,
): Promise<boolean> {
  const seeded = await database.write(async (tx) => {
    const [stored] = await tx.select({ n: count() }).from(products);
    const everStored = await tx.all<{ seq: number }>(
      sql`select seq from sqlite_sequence where name = 'products'`,
    );
    if ((stored?.n ?? 0) > 0 || everStored.length > 0) return false;
    const at = now();
    await tx.insert(products).values(demoCatalog.map((p) => ({ ...p, createdAt: at, updatedAt: at })));
    return true;
  });
  if (seeded) logger.info({ products: demoCatalog.length }, "demo catalog seeded");
  return seeded;
}
