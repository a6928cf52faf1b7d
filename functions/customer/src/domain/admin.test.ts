import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openDatabase } from "@bazaar/shared/db";
import { createLogger } from "@bazaar/shared/observability";
import { migrationsFolder, schema } from "../db";
import { customers } from "../db/schema";
import { ensureAdmin } from "./admin";
import { verifyPassword } from "./passwords";

describe("ensureAdmin with replicas", () => {
  const dir = mkdtempSync(join(tmpdir(), "bazaar-admin-"));
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints a generated password once, from the replica whose account it is", async () => {
    const url = `file:${join(dir, "customer.db")}`;
    const replicas = await Promise.all([1, 2, 3].map(() => openDatabase({ url, schema, migrationsFolder })));
    const printed: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((text) => {
      printed.push(String(text));
      return true;
    });
    const options = {
      email: "admin@replicas.test",
      password: undefined,
      scryptCost: 1024,
      logger: createLogger("customer", "silent"),
    };
    try {
      await Promise.all(replicas.map((database) => ensureAdmin(database, options)));
      vi.restoreAllMocks();
      expect(printed).toHaveLength(1);
      const password = /admin@replicas\.test \/ (\S+)/.exec(printed[0] ?? "")?.[1] ?? "";
      const [admin] = await replicas[0]!.db
        .select()
        .from(customers)
        .where(eq(customers.email, "admin@replicas.test"));
      expect(await verifyPassword(password, admin?.passwordHash ?? "")).toBe(true);
    } finally {
      for (const database of replicas) database.close();
    }
  });
});
