/**
 * The environment-variable table of docs/configuration.md, from the zod config schema of every process:
 * which processes read a variable and its default are read off the schemas, the meaning from variables.ts.
 */
import { relative, resolve } from "node:path";
import type * as z from "zod";
import { functionNames } from "@bazaar/shared/config";
import { brokerConfigSchema } from "../../broker/config";
import { customerConfigSchema } from "../../functions/customer/src/config";
import { deadLettersConfigSchema } from "../../functions/dead-letters/src/config";
import { gatewayConfigSchema } from "../../functions/gateway/src/config";
import { inventoryConfigSchema } from "../../functions/inventory/src/config";
import { notificationConfigSchema } from "../../functions/notification/src/config";
import { orderConfigSchema } from "../../functions/order/src/config";
import { paymentConfigSchema } from "../../functions/payment/src/config";
import { shippingConfigSchema } from "../../functions/shipping/src/config";
import { devServices, type DevService } from "../dev/services";
import { variableRows, type VariableRow } from "./variables";

/** Every process's config schema: the one place each reads its environment. */
export const configSchemas: Readonly<Record<DevService, z.ZodObject>> = {
  broker: brokerConfigSchema,
  customer: customerConfigSchema,
  inventory: inventoryConfigSchema,
  order: orderConfigSchema,
  payment: paymentConfigSchema,
  shipping: shippingConfigSchema,
  notification: notificationConfigSchema,
  "dead-letters": deadLettersConfigSchema,
  gateway: gatewayConfigSchema,
};

const repoRoot = resolve(import.meta.dirname, "../..");

export class UndocumentedVariableError extends Error {}

const rowMatches = ({ names }: VariableRow, name: string): boolean =>
  "pattern" in names ? names.pattern.test(name) : names.includes(name);

const rowLabel = ({ names }: VariableRow): string =>
  "pattern" in names ? `\`${names.label}\`` : names.map((name) => `\`${name}\``).join(", ");

/** Every variable any process reads, and the processes that read it, in start order. */
export function variableReaders(): Map<string, DevService[]> {
  const readers = new Map<string, DevService[]>();
  for (const service of devServices) {
    for (const name of Object.keys(configSchemas[service].shape)) {
      readers.set(name, [...(readers.get(name) ?? []), service]);
    }
  }
  return readers;
}

/** "all", "all but customer", "all, broker", or the names themselves. */
function whoText(services: readonly DevService[]): string {
  const functions = functionNames.filter((name) => services.includes(name));
  const missing = functionNames.filter((name) => !services.includes(name));
  const broker = services.includes("broker") ? ", broker" : "";
  if (missing.length === 0) return `all${broker}`;
  if (missing.length === 1 && functions.length > 1) return `all but ${missing.join("")}${broker}`;
  return services.join(", ");
}

/** A schema default as the table shows it; undefined when the variable has none. */
function defaultOf(field: z.ZodType): string | undefined {
  const parsed = field.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return undefined;
  const value: unknown = parsed.data;
  if (Array.isArray(value)) return value.length === 0 ? "empty" : `\`${value.join(",")}\``;
  if (typeof value === "string" && value.startsWith(repoRoot)) return `\`${relative(repoRoot, value)}\``;
  return `\`${String(value)}\``;
}

/** One default, or each process's where they differ (PORT). */
function defaultText(row: VariableRow, names: readonly string[], readers: Map<string, DevService[]>) {
  if (row.defaultText !== undefined) return row.defaultText;
  const byText = new Map<string, DevService[]>();
  for (const name of names) {
    for (const service of readers.get(name) ?? []) {
      const field = configSchemas[service].shape[name] as z.ZodType;
      const text = defaultOf(field) ?? row.unsetText ?? "—";
      byText.set(text, [...(byText.get(text) ?? []), service]);
    }
  }
  if (byText.size === 1) return [...byText.keys()].join("");
  // The most common default first, unlabelled; the others name their processes.
  const [common, ...others] = [...byText.entries()].sort((a, b) => b[1].length - a[1].length);
  if (common === undefined) return "—";
  if (common[1].length === 1)
    return [common, ...others].map(([text, who]) => `${text} ${who.join(", ")}`).join("; ");
  return [common[0], ...others.map(([text, who]) => `${who.join(", ")}: ${text}`)].join("; ");
}

const cell = (text: string): string => text.replaceAll("|", "\\|");

/**
 * The markdown table (`rows`: variables.ts; a test passes others); throws naming every variable without a
 * row and every row that names no variable.
 */
export function configurationTable(rows: readonly VariableRow[] = variableRows): string {
  const readers = variableReaders();
  const undocumented = [...readers.keys()].filter((name) => !rows.some((row) => rowMatches(row, name)));
  const unread = rows.filter((row) => ![...readers.keys()].some((name) => rowMatches(row, name)));
  if (undocumented.length > 0 || unread.length > 0) {
    const problems = [
      ...undocumented.map((name) => `${name} is read by ${readers.get(name)?.join(", ")} but has no row`),
      ...unread.map((row) => `${rowLabel(row)} has a row but no process reads it`),
    ];
    throw new UndocumentedVariableError(`scripts/docs/variables.ts: ${problems.join("; ")}`);
  }
  const lines = ["| Variable | Who | Default | Meaning |", "| --- | --- | --- | --- |"];
  for (const row of rows) {
    const names = [...readers.keys()].filter((name) => rowMatches(row, name));
    const who = devServices.filter((service) => names.some((name) => readers.get(name)?.includes(service)));
    const columns = [rowLabel(row), whoText(who), defaultText(row, names, readers), row.meaning];
    lines.push(`| ${columns.map(cell).join(" | ")} |`);
  }
  return lines.join("\n");
}
