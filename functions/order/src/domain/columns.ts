import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/**
 * The hot statements of an order's saga are written with drizzle's `sql` template rather than its query
 * builders, which spent two to three times their CPU rebuilding the same statements on every delivery
 * (2026-12-03).
 * These two helpers keep such statements tied to the schema: the column names come from the table, and the
 * rows come back under their field names, as the builders return them. Every column of the order tables is
 * an integer (as a number) or text, which libSQL returns as drizzle would map them.
 */

/** A select list naming each of the table's columns by its field name: `"customer_id" as "customerId", …`. */
export function fieldsOf(table: SQLiteTable): SQL {
  const list = Object.entries(getTableColumns(table)).map(
    ([field, column]) => `"${column.name}" as "${field}"`,
  );
  return sql.raw(list.join(", "));
}

/** `column = value, …` for an UPDATE's set, from field names and values as the table's type has them. */
export function assignments<T extends SQLiteTable>(
  table: T,
  changes: Partial<Record<keyof T["_"]["columns"], unknown>>,
): SQL {
  const columns = getTableColumns(table);
  const set = Object.entries(changes)
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => sql`${sql.identifier(columnOf(columns, field))} = ${value}`);
  return sql.join(set, sql`, `);
}

function columnOf(columns: Record<string, { name: string }>, field: string): string {
  const column = columns[field];
  if (!column) throw new Error(`no column for field ${field}`);
  return column.name;
}
