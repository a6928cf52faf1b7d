import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "@bazaar/shared/observability";
import { products } from "../db/schema";
import { createTestInventory, type TestInventory } from "../testing";
import { ensureDemoCatalog } from "./demo-catalog";

describe("demo catalog", () => {
  let kit: TestInventory;
  const logger = createLogger("test", "silent");
  beforeEach(async () => (kit = await createTestInventory()));
  afterEach(() => kit.close());

  it("seeds the original's five products, with ids 1..5, into a fresh database", async () => {
    expect(await ensureDemoCatalog(kit.database, logger)).toBe(true);
    const rows = await kit.database.db.select().from(products);
    expect(rows.map((p) => [p.id, p.name, p.priceCents, p.quantity, p.sku])).toEqual([
      [1, "Laptop", 120000, 50, "LAP001"],
      [2, "Mouse", 2500, 200, "MOU001"],
      [3, "Keyboard", 8000, 150, "KEY001"],
      [4, "Monitor", 35000, 75, "MON001"],
      [5, "Headphones", 15000, 100, "HEA001"],
    ]);
    expect(rows.every((p) => p.description.length > 0)).toBe(true);
  });

  it("seeds once, and not again after every product was deleted", async () => {
    await ensureDemoCatalog(kit.database, logger);
    expect(await ensureDemoCatalog(kit.database, logger)).toBe(false);
    await kit.database.write((tx) => tx.delete(products));
    expect(await ensureDemoCatalog(kit.database, logger)).toBe(false);
    expect(await kit.database.db.select().from(products)).toEqual([]);
  });

  it("leaves a catalog alone that was filled before the first start", async () => {
    const admin = await kit.tokenFor("admin");
    await kit.request("POST", "/api/products", {
      body: { name: "Tea", price: 4.5, quantity: 10, sku: "TEA1" },
      token: admin,
    });
    expect(await ensureDemoCatalog(kit.database, logger)).toBe(false);
  });
});
