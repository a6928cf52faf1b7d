import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotFound } from "@bazaar/shared/errors";
import { createLogger } from "@bazaar/shared/observability";
import { products } from "../db/schema";
import { createTestInventory, type TestInventory } from "../testing";
import { findProduct } from "./catalog";
import { ensureDemoCatalog } from "./demo-catalog";

const LAPTOP = 1; // 50 on hand

describe("findProduct", () => {
  let kit: TestInventory;
  beforeEach(async () => {
    kit = await createTestInventory();
    await ensureDemoCatalog(kit.database, createLogger("test", "silent"));
  });
  afterEach(() => kit.close());

  it("reads the committed product outside a transaction, again and again with its statement kept", async () => {
    expect(await findProduct(kit.database.db, LAPTOP)).toMatchObject({ id: LAPTOP, quantity: 50 });
    await kit.database.write((tx) =>
      tx.update(products).set({ quantity: 49 }).where(eq(products.id, LAPTOP)),
    );
    expect(await findProduct(kit.database.db, LAPTOP)).toMatchObject({ id: LAPTOP, quantity: 49 });
    await expect(findProduct(kit.database.db, 9999)).rejects.toThrow(NotFound);
  });

  it("reads inside a transaction what that transaction wrote", async () => {
    const seen = await kit.database.write(async (tx) => {
      await tx.update(products).set({ quantity: 42 }).where(eq(products.id, LAPTOP));
      return findProduct(tx, LAPTOP);
    });
    expect(seen.quantity).toBe(42);
  });
});
