/**
 * What the deployment checks need to know about the code: the functions, their sources, the env keys each
 * one reads (from its zod config schema) and the event types each one handles (from its handler map).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseAllDocuments, parse } from "yaml";
import type { z } from "zod";

export const rootDir = resolve(import.meta.dirname, "../../..");
export const fromRoot = (...parts: string[]): string => join(rootDir, ...parts);

/** Every function of the shop: a folder under functions/. */
export const functionNames = (): string[] =>
  readdirSync(fromRoot("functions"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(fromRoot("functions", entry.name, "package.json")))
    .map((entry) => entry.name)
    .sort();

/** A Kubernetes-style object, loosely typed: tests read fields and let a wrong shape fail the assertion. */
export type Manifest = Record<string, any> & {
  apiVersion: string;
  kind: string;
  metadata: Record<string, any>;
};

export function readYamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, "utf8"))
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]?.message}`);
      return document.toJS() as unknown;
    })
    .filter((value) => value !== null && value !== undefined);
}

/** YAML with `<<` merge keys resolved, as Compose reads it. */
export const readYaml = (path: string): any => parse(readFileSync(path, "utf8"), { merge: true });

function tsFilesUnder(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** A function's own code (tests excluded), as one text. */
export const functionSource = (name: string): string =>
  tsFilesUnder(fromRoot("functions", name, "src"))
    .map((file) => readFileSync(file, "utf8"))
    .join("\n");

/** Functions that send events: they emit through their outbox, or (dead-letters) use K_SINK directly. */
export const publishers = (): string[] =>
  functionNames().filter((name) => /\bemit\(|\bK_SINK\b/.test(functionSource(name)));

/** Functions that emit through their outbox, whose backlog a PingSource must flush. */
export const outboxPublishers = (): string[] =>
  functionNames().filter((name) => /\bemit\(/.test(functionSource(name)));

/**
 * Functions that own a database (in sqld, in a cluster). The gateway's src/db holds only the table of its
 * rate-limit counters for `npm start`; in a cluster they are in Valkey (knative/valkey.yaml).
 */
export const databaseFunctions = (): string[] =>
  functionNames().filter((name) => name !== "gateway" && existsSync(fromRoot("functions", name, "src/db")));

type ObjectSchema = z.ZodObject<z.ZodRawShape>;

/** The zod schema a function (or the dev broker) parses its environment with. */
export async function configSchemaOf(name: string): Promise<ObjectSchema> {
  const file =
    name === "broker" ? fromRoot("broker/config.ts") : fromRoot("functions", name, "src/config.ts");
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const found = Object.entries(module).find(
    ([key, value]) => key.endsWith("ConfigSchema") && isObjectSchema(value),
  );
  if (!found) throw new Error(`${file} exports no *ConfigSchema`);
  return found[1] as ObjectSchema;
}

const isObjectSchema = (value: unknown): value is ObjectSchema =>
  typeof value === "object" && value !== null && "shape" in value && "safeParse" in value;

/** The env keys a schema reads. */
export const keysOf = (schema: ObjectSchema): string[] => Object.keys(schema.shape);

/** Keys that must be given: no default and not optional. */
export const requiredKeysOf = (schema: ObjectSchema): string[] =>
  Object.entries(schema.shape)
    .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
    .map(([key]) => key);

/**
 * Something that can stand in for any dependency a handler-map factory asks for (metrics, settings): every
 * property and every call gives the stub back. The handlers themselves are never run.
 */
const stub: any = new Proxy(function stubbed() {}, {
  get: (_target, property) => (property === Symbol.toPrimitive ? () => 0 : stub),
  apply: () => stub,
});

const isHandlerMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" &&
  value !== null &&
  Object.keys(value).length > 0 &&
  Object.keys(value).every((key) => key.startsWith("bazaar."));

/**
 * The event types a function handles, read from the handler map its events/ folder exports (a map, or a
 * factory of one), i.e. exactly what its /events receiver accepts.
 */
export async function handledTypes(name: string): Promise<string[]> {
  const folder = fromRoot("functions", name, "src/events");
  const types = new Set<string>();
  for (const file of tsFilesUnder(folder)) {
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      const map =
        typeof value === "function"
          ? safely(() => (value as (...a: unknown[]) => unknown)(stub, stub))
          : value;
      if (isHandlerMap(map)) for (const type of Object.keys(map)) types.add(type);
    }
  }
  return [...types].sort();
}

const safely = (make: () => unknown): unknown => {
  try {
    return make();
  } catch {
    return undefined;
  }
};
