import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterEach, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../testing/database";
import { defaultDatabaseUrl, openDatabase } from "./database";

const counters = sqliteTable("counters", {
  name: text("name").primaryKey(),
  value: integer("value").notNull(),
});
const schema = { counters };

let opened: TestDatabase<typeof schema> | undefined;
afterEach(() => {
  opened?.dispose();
  opened = undefined;
});

describe("openDatabase", () => {
  it("applies the migrations once, also when opened again", async () => {
    opened = await openTestDatabase(schema);
    const { database, dir } = opened;
    await database.write((tx) => tx.insert(counters).values({ name: "a", value: 1 }));
    const again = await openDatabase({
      url: `file:${dir}/test.db`,
      schema,
      migrationsFolder: `${dir}/migrations`,
    });
    try {
      expect(await again.db.select().from(counters)).toEqual([{ name: "a", value: 1 }]);
      const applied = await again.client.execute("select count(*) as n from __drizzle_migrations");
      expect(applied.rows[0]?.["n"]).toBe(1);
      const mode = await again.client.execute("PRAGMA journal_mode");
      expect(mode.rows[0]?.["journal_mode"]).toBe("wal");
    } finally {
      again.close();
    }
  });

  it("opens an up-to-date database without reading its migrations again", async () => {
    opened = await openTestDatabase(schema);
    const { dir } = opened;
    // drizzle's migrator would fail for want of this file: the start must have known it had nothing to apply.
    rmSync(join(dir, "migrations", "0000_init.sql"));
    const again = await openDatabase({
      url: `file:${dir}/test.db`,
      schema,
      migrationsFolder: `${dir}/migrations`,
    });
    try {
      const applied = await again.client.execute("select count(*) as n from __drizzle_migrations");
      expect(applied.rows[0]?.["n"]).toBe(1);
    } finally {
      again.close();
    }
  });

  it("applies a migration added to the journal since the database was last opened", async () => {
    opened = await openTestDatabase(schema);
    const { dir } = opened;
    const journalFile = join(dir, "migrations", "meta", "_journal.json");
    const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: Record<string, unknown>[] };
    const when = Number(journal.entries[0]?.["when"]) + 1;
    journal.entries.push({ idx: 1, version: "6", when, tag: "0001_notes", breakpoints: true });
    writeFileSync(journalFile, JSON.stringify(journal));
    writeFileSync(join(dir, "migrations", "0001_notes.sql"), "CREATE TABLE `notes` (`text` text NOT NULL);");
    const again = await openDatabase({
      url: `file:${dir}/test.db`,
      schema,
      migrationsFolder: `${dir}/migrations`,
    });
    try {
      await again.client.execute("insert into notes values ('added')");
      const applied = await again.client.execute("select count(*) as n from __drizzle_migrations");
      expect(applied.rows[0]?.["n"]).toBe(2);
    } finally {
      again.close();
    }
  });

  it("lets replicas that start together on a new database apply its migrations once", async () => {
    opened = await openTestDatabase(schema);
    const { dir } = opened;
    // A second migration, and four "replicas" opening a fresh file at once: each finds it missing.
    const fresh = `file:${dir}/fresh.db`;
    const replicas = await Promise.all(
      Array.from({ length: 4 }, () =>
        openDatabase({ url: fresh, schema, migrationsFolder: `${dir}/migrations` }),
      ),
    );
    try {
      const applied = await replicas[0]?.client.execute("select count(*) as n from __drizzle_migrations");
      expect(applied?.rows[0]?.["n"]).toBe(1);
      await replicas[1]?.write((tx) => tx.insert(counters).values({ name: "b", value: 2 }));
      expect(await replicas[3]?.db.select().from(counters)).toEqual([{ name: "b", value: 2 }]);
    } finally {
      for (const replica of replicas) replica.close();
    }
  });

  it("answers ping", async () => {
    opened = await openTestDatabase(schema);
    expect(await opened.database.ping()).toBe(true);
  });

  it("names the dev file after the service", () => {
    expect(defaultDatabaseUrl("./data", "order")).toBe("file:./data/order.db");
  });
});

describe("write", () => {
  it("serialises concurrent writes: 50 read-modify-write increments give 50", async () => {
    opened = await openTestDatabase(schema);
    const { database } = opened;
    await database.write((tx) => tx.insert(counters).values({ name: "hits", value: 0 }));
    await Promise.all(
      Array.from({ length: 50 }, () =>
        database.write(async (tx) => {
          const [row] = await tx.select().from(counters).where(eq(counters.name, "hits"));
          // Yield between read and write: without serialisation another write would interleave here.
          await new Promise((r) => setImmediate(r));
          await tx
            .update(counters)
            .set({ value: (row?.value ?? 0) + 1 })
            .where(eq(counters.name, "hits"));
        }),
      ),
    );
    const [row] = await database.db.select().from(counters).where(eq(counters.name, "hits"));
    expect(row?.value).toBe(50);
  });

  it("rolls back everything when the work throws, and the next write still works", async () => {
    opened = await openTestDatabase(schema);
    const { database } = opened;
    await expect(
      database.write(async (tx) => {
        await tx.insert(counters).values({ name: "lost", value: 1 });
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await database.db.select().from(counters)).toEqual([]);
    const value = await database.write(async (tx) => {
      await tx.insert(counters).values({ name: "kept", value: 2 });
      return "done";
    });
    expect(value).toBe("done");
    expect(await database.db.select({ n: sql<number>`count(*)` }).from(counters)).toEqual([{ n: 1 }]);
  });

  it("runs fixed statements in the write's own transaction: they see its changes and share its fate", async () => {
    opened = await openTestDatabase(schema);
    const { database } = opened;
    const insert = (name: string) => ({
      sql: "insert into counters (name, value) values (?, 1)",
      args: [name],
    });
    await expect(
      database.write(async (tx, execute) => {
        await tx.insert(counters).values({ name: "by drizzle", value: 1 });
        await execute(insert("fixed"));
        const seen = await execute("select count(*) as n from counters");
        expect(seen.rows[0]?.["n"]).toBe(2); // the uncommitted drizzle row is visible: one transaction
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await database.db.select().from(counters)).toEqual([]);
    await database.write((_tx, execute) => execute(insert("kept")));
    expect(await database.db.select().from(counters)).toEqual([{ name: "kept", value: 1 }]);
  });

  it("refuses a fixed statement once its write is over, rather than running it on its own", async () => {
    opened = await openTestDatabase(schema);
    const { database } = opened;
    let late: ((statement: string) => Promise<unknown>) | undefined;
    await database.write(async (_tx, execute) => {
      late = execute;
    });
    await expect(late?.("insert into counters (name, value) values ('late', 1)")).rejects.toThrow(
      "outside one",
    );
    expect(await database.db.select().from(counters)).toEqual([]);
  });
});
