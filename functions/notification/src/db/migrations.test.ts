import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@bazaar/shared/db";
import { migrationsFolder, schema } from ".";
import { closedAccounts } from "./schema";

const dir = mkdtempSync(join(tmpdir(), "bazaar-notification-migrations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The migrations up to and including `tag`, as a database deployed back then had them. */
function migrationsUpTo(tag: string): string {
  const folder = join(dir, tag);
  cpSync(migrationsFolder, folder, { recursive: true });
  const journalFile = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(0, journal.entries.findIndex((entry) => entry.tag === tag) + 1);
  writeFileSync(journalFile, JSON.stringify(journal));
  return folder;
}

describe("notification migrations", () => {
  it("keep the tombstones of customers deleted before closed_accounts existed", async () => {
    const url = `file:${join(dir, "notification.db")}`;
    const before = await openDatabase({ url, schema, migrationsFolder: migrationsUpTo("0000_init") });
    await before.client.execute(
      "INSERT INTO deleted_customers (customer_id, deleted_at) VALUES (41, '2026-11-01T00:00:00.000Z')",
    );
    before.close();

    const after = await openDatabase({ url, schema, migrationsFolder });
    expect(await after.db.select().from(closedAccounts)).toEqual([
      { customerId: 41, closedAt: "2026-11-01T00:00:00.000Z" },
    ]);
    const tables = await after.client.execute("SELECT name FROM sqlite_master WHERE type = 'table'");
    expect(tables.rows.map((row) => row["name"])).not.toContain("deleted_customers");
    after.close();
  });
});
