import { createRequire } from "node:module";

/**
 * libSQL's native driver, loaded straight from its platform package. The `libsql` package's loader first works
 * out the C library with detect-libc and two `process.report.getReport()` calls: 15–20 ms of every start,
 * against 2 ms for the module itself. The platform packages are the ones `libsql` depends on, at its version
 * (the lockfile pins both); a glibc build does not load on musl, so trying glibc first, then musl, finds the
 * right one. The functions are libsql-js's own Node-API exports, which its JavaScript wrapper calls the same way.
 */
export interface NativeDriver {
  // Errors thrown by these carry `libsqlError: true`, SQLite's extended code name as `code` and its number as `rawCode`.
  databaseOpen(
    path: string,
    authToken: string,
    encryptionCipher: string,
    encryptionKey: string,
    busyTimeoutMs: number,
    remoteEncryptionKey: string,
  ): NativeDatabase;
  databaseInTransaction(database: NativeDatabase): boolean;
  databaseClose(this: NativeDatabase): void;
  databaseExecSync(this: NativeDatabase, sql: string): void;
  databasePrepareSync(this: NativeDatabase, sql: string): NativeStatement;
  statementIsReader(this: NativeStatement): boolean;
  statementRaw(this: NativeStatement, raw: boolean): void;
  statementSafeIntegers(this: NativeStatement, safe: boolean): void;
  statementColumns(this: NativeStatement): { name: string; type: string | null }[];
  statementRun(this: NativeStatement, args: unknown): { changes: number; lastInsertRowid: number | bigint };
  statementRowsSync(this: NativeStatement, args: unknown): NativeRows;
  /** Fills `into` with the next rows (as many as it has room for), undefined past the last. */
  rowsNext(this: NativeRows, into: unknown[]): void;
}

declare const databaseBrand: unique symbol;
declare const statementBrand: unique symbol;
declare const rowsBrand: unique symbol;
export type NativeDatabase = { readonly [databaseBrand]: true };
export type NativeStatement = { readonly [statementBrand]: true };
export type NativeRows = { readonly [rowsBrand]: true };

function platformPackages(): string[] {
  const { platform, arch } = process;
  if (platform === "linux") return [`@libsql/linux-${arch}-gnu`, `@libsql/linux-${arch}-musl`];
  if (platform === "win32") return [`@libsql/win32-${arch}-msvc`];
  return [`@libsql/${platform}-${arch}`];
}

/** Loads the driver; the local client calls this once, as its module loads. */
export function loadNativeDriver(): NativeDriver {
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const name of platformPackages()) {
    try {
      return require(name) as NativeDriver;
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  throw new Error(
    `libSQL's native driver does not load on ${process.platform}-${process.arch}: ${failures.join("; ")}`,
  );
}
