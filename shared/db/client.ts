import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { createClient } from "@libsql/client/http";
import type { Client } from "@libsql/core/api";
import { createLocalClient } from "./local-client";

export interface ClientOptions {
  url: string;
  authToken?: string | undefined;
}

const isFileUrl = (url: string): boolean => url.startsWith("file:");
const BUSY_TIMEOUT_MS = 5000;

const isLocalFile = (url: string): boolean => isFileUrl(url) && !url.includes(":memory:");

/** Whether an error, or any error it wraps (drizzle wraps libSQL's), matches: codes and messages alike. */
const anywhereInChain = (error: unknown, pattern: RegExp): boolean => {
  for (let at = error, depth = 0; at && depth < 5; at = (at as { cause?: unknown }).cause, depth++) {
    const { code, message } = at as { code?: unknown; message?: unknown };
    if (pattern.test(String(code ?? "")) || pattern.test(String(message ?? at))) return true;
  }
  return false;
};

/** A write lock another process held for longer than the busy timeout: worth a retry shortly. */
export const isBusyError = (error: unknown): boolean => anywhereInChain(error, /SQLITE_BUSY/);

/** SQLite's unique-constraint failure, as libSQL reports it (directly or as the cause of a drizzle error). */
export const isUniqueViolation = (error: unknown): boolean =>
  anywhereInChain(error, /UNIQUE constraint failed/i);

/**
 * A database file on this machine through the local client (busy timeout: without it a lock held by a
 * checkpoint fails at once instead of waiting); sqld over HTTP (`http(s)://`, `libsql://`) through
 * @libsql/client's HTTP client.
 */
export function openClient({ url, authToken }: ClientOptions): Client {
  if (isLocalFile(url)) {
    const path = url.slice("file:".length);
    mkdirSync(dirname(path), { recursive: true });
    return createLocalClient(path, BUSY_TIMEOUT_MS);
  }
  if (isFileUrl(url)) {
    throw new Error(
      `database URL ${url}: an in-memory database is not supported (every connection would be a database of its own); use a file: URL`,
    );
  }
  return createClient({ url, ...(authToken ? { authToken } : {}), concurrency: 1000 });
}
