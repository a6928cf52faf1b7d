import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { createClient, type Client } from "@libsql/client";
import { createLocalClient } from "./local-client";

export interface ClientOptions {
  url: string;
  authToken?: string | undefined;
}

const isFileUrl = (url: string): boolean => url.startsWith("file:");
const BUSY_TIMEOUT_MS = 5000;

export const isLocalFile = (url: string): boolean => isFileUrl(url) && !url.includes(":memory:");

/** Whether an error, or any error it wraps (drizzle wraps libSQL's), matches: codes and messages alike. */
const anywhereInChain = (error: unknown, pattern: RegExp): boolean => {
  for (let at = error, depth = 0; at && depth < 5; at = (at as { cause?: unknown }).cause, depth++) {
    const { code, message } = at as { code?: unknown; message?: unknown };
    if (pattern.test(String(code ?? "")) || pattern.test(String(message ?? at))) return true;
  }
  return false;
};

/** SQLITE_BUSY leaves a local libSQL client broken for good (libsql-client-ts#352): detect it to start over. */
export const isBusyError = (error: unknown): boolean => anywhereInChain(error, /SQLITE_BUSY/);

/** SQLite's unique-constraint failure, as libSQL reports it (directly or as the cause of a drizzle error). */
export const isUniqueViolation = (error: unknown): boolean =>
  anywhereInChain(error, /UNIQUE constraint failed/i);

function openClient({ url, authToken }: ClientOptions): Client {
  // Busy timeout: without it a lock held by a checkpoint fails at once instead of waiting.
  if (isLocalFile(url)) {
    const path = url.slice("file:".length);
    mkdirSync(dirname(path), { recursive: true });
    return createLocalClient(path, BUSY_TIMEOUT_MS);
  }
  if (isFileUrl(url)) return createClient({ url, timeout: BUSY_TIMEOUT_MS }); // in memory: one connection
  return createClient({ url, ...(authToken ? { authToken } : {}), concurrency: 1000 });
}

/**
 * A client that replaces its underlying connection after SQLITE_BUSY, so one lock timeout does not turn
 * into an outage. The error itself is still thrown: the caller answers 503 and the request is retried.
 */
export function createResilientClient(options: ClientOptions): Client {
  let current = openClient(options);
  const recovering = new Set<PropertyKey>(["execute", "batch", "transaction", "executeMultiple", "migrate"]);
  return new Proxy({} as Client, {
    get(_target, property) {
      const value: unknown = Reflect.get(current, property);
      if (typeof value !== "function") return value;
      if (!recovering.has(property)) return value.bind(current);
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(current, args);
        } catch (error) {
          if (isBusyError(error) && isFileUrl(options.url)) {
            current.close();
            current = openClient(options);
          }
          throw error;
        }
      };
    },
  });
}
