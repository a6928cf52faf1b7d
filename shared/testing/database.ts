/**
 * Test support only (imported by *.test.ts, never by a function): a real libSQL file in the OS temp folder
 * whose migration is generated from the tables under test, so shared/ tests need no migrations of their own.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSQLiteDrizzleJson, generateSQLiteMigration } from "drizzle-kit/api";
import { openDatabase, type Database } from "../db/database";

export interface TestDatabase<S extends Record<string, unknown>> {
  database: Database<S>;
  dir: string;
  /** Closes the client and deletes the folder. */
  dispose(): void;
}

export async function openTestDatabase<S extends Record<string, unknown>>(
  schema: S,
): Promise<TestDatabase<S>> {
  const dir = mkdtempSync(join(tmpdir(), "bazaar-unit-"));
  const migrationsFolder = join(dir, "migrations");
  mkdirSync(join(migrationsFolder, "meta"), { recursive: true });
  const statements = await generateSQLiteMigration(
    await generateSQLiteDrizzleJson({}),
    await generateSQLiteDrizzleJson(schema),
  );
  writeFileSync(join(migrationsFolder, "0000_init.sql"), statements.join("\n--> statement-breakpoint\n"));
  writeFileSync(
    join(migrationsFolder, "meta", "_journal.json"),
    JSON.stringify({
      version: "7",
      dialect: "sqlite",
      entries: [{ idx: 0, version: "6", when: Date.now(), tag: "0000_init", breakpoints: true }],
    }),
  );
  const database = await openDatabase({ url: `file:${join(dir, "test.db")}`, schema, migrationsFolder });
  return {
    database,
    dir,
    dispose: () => {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The database with a count of its write transactions (how many BEGIN/COMMITs a piece of work cost). */
export function countingWrites<S extends Record<string, unknown>>(
  database: Database<S>,
): Database<S> & { writes: number } {
  const counted = { ...database, writes: 0 };
  counted.write = (work) => {
    counted.writes += 1;
    return database.write(work);
  };
  return counted;
}
