import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, LibsqlError, type Client } from "@libsql/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isBusyError, isUniqueViolation } from "./client";
import { createLocalClient } from "./local-client";

let dir: string;
let opened: Client[] = [];
const open = (make: (path: string) => Client): Client => {
  const client = make(join(dir, "test.db"));
  opened.push(client);
  return client;
};
const local = (timeoutMs = 2000): Client => open((path) => createLocalClient(path, timeoutMs));
/** @libsql/client's own local client, the contract this one keeps. */
const reference = (): Client => open((path) => createClient({ url: `file:${path}` }));

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "bazaar-local-client-"));
  const setup = local();
  await setup.executeMultiple(`
    CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, cents INTEGER, data BLOB);
    INSERT INTO items (id, name, cents) VALUES (1, 'tea', 350), (2, 'cup', 1200);`);
});
afterEach(() => {
  for (const client of opened) client.close();
  opened = [];
  rmSync(dir, { recursive: true, force: true });
});

describe("createLocalClient", () => {
  it("answers every kind of statement exactly as @libsql/client does", async () => {
    const statements = [
      { sql: "SELECT id, name, cents FROM items ORDER BY id", args: [] },
      { sql: "SELECT a.id, b.id, a.name FROM items a JOIN items b ON b.id = a.id WHERE a.id = ?", args: [2] },
      { sql: "SELECT count(*) AS n, sum(cents) AS total FROM items WHERE cents > :min", args: { min: 100 } },
      { sql: "INSERT INTO items (name, cents) VALUES (?, ?) RETURNING id, name", args: ["pot", 2500] },
      { sql: "UPDATE items SET cents = cents + 1 WHERE cents < ?", args: [2000] },
      { sql: "SELECT * FROM items WHERE name = ?", args: ["nothing"] },
    ];
    const shape = async (client: Client) => {
      const results = [];
      for (const statement of statements) {
        const result = await client.execute(statement);
        results.push({
          json: JSON.stringify(result.rows),
          keys: result.rows.map((row) => Object.keys(row)),
          indexed: result.rows.map((row) => Array.prototype.slice.call(row)),
          columns: result.columns,
          rowsAffected: result.rowsAffected,
        });
      }
      // Put the database back for the other client.
      await client.execute("DELETE FROM items WHERE name = 'pot'");
      await client.execute("UPDATE items SET cents = cents - 1 WHERE cents < 2000");
      return results;
    };
    const ours = await shape(local());
    expect(ours[1]?.indexed).toEqual([[2, 2, "cup"]]); // equal column names: every value still by index
    expect(ours[1]?.keys).toEqual([["id", "name"]]); // ...and the first one by name
    expect(ours).toEqual(await shape(reference()));
  });

  it("refuses integers JavaScript cannot hold and undefined arguments, as @libsql/client does", async () => {
    const client = local();
    await expect(client.execute("SELECT 9007199254740993 AS big")).rejects.toThrow(RangeError);
    expect((await client.execute("SELECT 9007199254740991 AS big")).rows[0]?.["big"]).toBe(9007199254740991);
    await expect(client.execute({ sql: "SELECT ?", args: [undefined as never] })).rejects.toThrow(TypeError);
    await expect(client.execute({ sql: "SELECT ?", args: [Number.NaN] })).rejects.toThrow(RangeError);
  });

  it("converts booleans, dates and bytes on the way in, and gives bytes back as an ArrayBuffer", async () => {
    const client = local();
    const at = new Date("2026-11-25T12:00:00Z");
    const row = (
      await client.execute({
        sql: "SELECT ? AS yes, ? AS at, ? AS bytes",
        args: [true, at, new Uint8Array([1, 2, 3])],
      })
    ).rows[0];
    expect(row?.["yes"]).toBe(1);
    expect(row?.["at"]).toBe(at.valueOf());
    expect([...new Uint8Array(row?.["bytes"] as ArrayBuffer)]).toEqual([1, 2, 3]);
  });

  it("reports SQLite's errors as LibsqlErrors the shared checks recognise", async () => {
    const client = local();
    const error = await client
      .execute({ sql: "INSERT INTO items (name) VALUES (?)", args: ["tea"] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(LibsqlError);
    expect(error).toMatchObject({ code: "SQLITE_CONSTRAINT", extendedCode: "SQLITE_CONSTRAINT_UNIQUE" });
    expect(isUniqueViolation(error)).toBe(true);
    await expect(client.execute("SELECT nope FROM items")).rejects.toMatchObject({ code: "SQLITE_ERROR" });
  });

  it("keeps an open transaction's writes from reads beside it until it commits", async () => {
    const client = local();
    const tx = await client.transaction("write");
    await tx.execute({ sql: "UPDATE items SET cents = 1 WHERE id = ?", args: [1] });
    expect((await tx.execute("SELECT cents FROM items WHERE id = 1")).rows[0]?.["cents"]).toBe(1);
    expect((await client.execute("SELECT cents FROM items WHERE id = 1")).rows[0]?.["cents"]).toBe(350);
    await tx.commit();
    expect(tx.closed).toBe(true);
    expect((await client.execute("SELECT cents FROM items WHERE id = 1")).rows[0]?.["cents"]).toBe(1);
    await expect(tx.execute("SELECT 1")).rejects.toMatchObject({ code: "TRANSACTION_CLOSED" });
  });

  it("undoes a transaction that is rolled back or just closed, and reuses its connection clean", async () => {
    const client = local();
    for (const end of ["rollback", "close"] as const) {
      const tx = await client.transaction("write");
      await tx.execute("DELETE FROM items");
      if (end === "rollback") await tx.rollback();
      else tx.close();
      expect((await client.execute("SELECT count(*) AS n FROM items")).rows[0]?.["n"]).toBe(2);
    }
    const next = await client.transaction("write");
    await next.execute("INSERT INTO items (name) VALUES ('lid')");
    await next.commit();
    expect((await client.execute("SELECT count(*) AS n FROM items")).rows[0]?.["n"]).toBe(3);
  });

  it("runs a batch all or nothing", async () => {
    const client = local();
    await expect(
      client.batch([
        { sql: "INSERT INTO items (name) VALUES (?)", args: ["jar"] },
        { sql: "INSERT INTO items (name) VALUES (?)", args: ["tea"] }, // duplicate name
      ]),
    ).rejects.toThrow(/UNIQUE/);
    expect((await client.execute("SELECT count(*) AS n FROM items")).rows[0]?.["n"]).toBe(2);
    const results = await client.batch(["SELECT 1 AS one", ["SELECT ? AS two", [2]]], "read");
    expect(results.map((result) => result.rows[0]?.[0])).toEqual([1, 2]);
  });

  it("answers SQLITE_BUSY after its busy timeout when another process holds the write lock", async () => {
    const holder = reference();
    const tx = await holder.transaction("write");
    const client = local(50);
    const error = await client.transaction("write").catch((e) => e);
    expect(isBusyError(error)).toBe(true);
    await tx.rollback();
    const after = await client.transaction("write"); // the failed BEGIN left nothing behind
    await after.rollback();
  });

  it("keeps serving when a statement changes the schema under its prepared statements", async () => {
    const client = local();
    await client.execute("SELECT * FROM items WHERE id = 1");
    await client.execute("ALTER TABLE items ADD COLUMN colour TEXT");
    const again = await client.execute("SELECT * FROM items WHERE id = 1");
    expect(again.columns).toContain("colour");
    expect(again.rows[0]?.["colour"]).toBeNull();
    await client.executeMultiple("ALTER TABLE items ADD COLUMN size TEXT; UPDATE items SET size = 'S'");
    expect((await client.execute("SELECT * FROM items WHERE id = 1")).rows[0]?.["size"]).toBe("S");
  });

  it("puts the file in WAL mode and commits with synchronous=NORMAL on every connection", async () => {
    const client = local();
    const tx = await client.transaction("write"); // holds one connection: the read below opens another
    for (const reader of [client, tx]) {
      expect((await reader.execute("PRAGMA journal_mode")).rows[0]?.[0]).toBe("wal");
      expect((await reader.execute("PRAGMA synchronous")).rows[0]?.[0]).toBe(1); // NORMAL
    }
    await tx.rollback();
  });

  it("refuses work once closed", async () => {
    const client = local();
    client.close();
    expect(client.closed).toBe(true);
    await expect(client.execute("SELECT 1")).rejects.toMatchObject({ code: "CLIENT_CLOSED" });
  });
});
