import {
  LibsqlError,
  type Client,
  type InArgs,
  type InStatement,
  type InValue,
  type ResultSet,
  type Row,
  type Transaction,
  type TransactionMode,
} from "@libsql/core/api";
import Database from "libsql";

/**
 * A libSQL client for a database file on this machine that keeps each connection's prepared statements.
 * @libsql/client's local client prepares every statement anew, asks for its columns twice, probes whether
 * it returns rows by catching an exception and defines every field of every row with defineProperty: a
 * third of a function's CPU per event (BENCHMARKS.md, Part 3). Same contract as @libsql/client's: rows have
 * their values by index and by column name, integers come as numbers (RangeError beyond 2^53), errors are
 * LibsqlErrors, a transaction holds a connection of its own so reads beside it see only committed data.
 * The database is in WAL mode and every connection commits with synchronous=NORMAL: the log is synced at
 * checkpoints instead of on every commit, so a write costs microseconds instead of an fsync. A process crash
 * loses nothing; a power cut may undo the last commits.
 * It runs on the `libsql` package's public Database/Statement API (libsql-js, the driver @libsql/client's
 * local client uses too), whose loader picks the native build for the platform and C library. That choice
 * costs about 11 ms of each start (process.report.getReport(), and detect-libc loading child_process);
 * statements cost what they did through the driver's own exports (2026-12-02, Node 20.20).
 * Remote databases (sqld over HTTP, in the cluster) keep @libsql/client.
 */
export function createLocalClient(path: string, busyTimeoutMs: number): Client {
  return new LocalClient(path, busyTimeoutMs);
}

/** Enough for every statement a function runs; more appear only from IN lists of varying length. */
const STATEMENTS_PER_CONNECTION = 500;
const SCHEMA_CHANGE = /^\s*(create|alter|drop)\b/i;

interface Prepared {
  statement: Database.Statement;
  columns: string[];
  columnTypes: string[];
  /** Present for statements that return rows (SELECT, RETURNING, some PRAGMAs). */
  toRow: ((values: unknown[]) => Row) | undefined;
}

class Connection {
  private readonly database: Database.Database;
  private readonly statements = new Map<string, Prepared>();

  constructor(
    path: string,
    busyTimeoutMs: number,
    private readonly onSchemaChange: () => void,
  ) {
    this.database = new Database(path, { timeout: busyTimeoutMs });
    this.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL");
  }

  execute(statement: InStatement): ResultSet {
    const { sql, args } = typeof statement === "string" ? { sql: statement, args: [] } : statement;
    try {
      const prepared = this.prepared(sql);
      const values = toSqlArgs(args);
      if (!prepared.toRow) {
        const { changes, lastInsertRowid } = prepared.statement.run(values);
        if (SCHEMA_CHANGE.test(sql)) this.onSchemaChange();
        return resultSet(prepared, [], changes, BigInt(lastInsertRowid));
      }
      const rows = (prepared.statement.all(values) as unknown[][]).map(prepared.toRow);
      return resultSet(prepared, rows, 0, undefined);
    } catch (error) {
      throw asLibsqlError(error);
    }
  }

  /** A script of statements, none of which returns rows (schema changes, pragmas). */
  exec(sql: string): void {
    try {
      this.database.exec(sql);
    } catch (error) {
      throw asLibsqlError(error);
    }
  }

  get inTransaction(): boolean {
    return this.database.inTransaction;
  }

  /** A statement prepared before a schema change may now return other columns than it described. */
  forgetStatements(): void {
    this.statements.clear();
  }

  close(): void {
    this.forgetStatements();
    this.database.close();
  }

  private prepared(sql: string): Prepared {
    const known = this.statements.get(sql);
    if (known) return known;
    const statement = this.database.prepare(sql);
    const { reader } = statement;
    if (reader) {
      statement.raw(); // rows as arrays of values
      statement.safeIntegers(); // as bigints, so fromSql can refuse what a number cannot hold
    }
    const described = reader ? statement.columns() : [];
    const columns = described.map((column) => column.name);
    const prepared: Prepared = {
      statement,
      columns,
      columnTypes: described.map((column) => column.type ?? ""),
      toRow: reader ? rowMaker(columns) : undefined,
    };
    if (this.statements.size >= STATEMENTS_PER_CONNECTION) {
      this.statements.delete(this.statements.keys().next().value as string);
    }
    this.statements.set(sql, prepared);
    return prepared;
  }
}

class LocalClient implements Client {
  closed = false;
  readonly protocol = "file";
  private idle: Connection[] = [];
  private readonly connections = new Set<Connection>();

  constructor(
    private readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {
    this.release(this.borrow()); // fail now, not at the first query, if the file cannot be opened
  }

  execute(statement: InStatement | string, args?: InArgs): Promise<ResultSet> {
    return this.withConnection((connection) =>
      connection.execute(typeof statement === "string" ? { sql: statement, args: args ?? [] } : statement),
    );
  }

  batch(
    statements: Array<InStatement | [string, InArgs?]>,
    mode: TransactionMode = "deferred",
  ): Promise<ResultSet[]> {
    return this.withConnection((connection) =>
      inTransaction(connection, mode, () =>
        statements.map((statement) =>
          connection.execute(
            Array.isArray(statement) ? { sql: statement[0], args: statement[1] ?? [] } : statement,
          ),
        ),
      ),
    );
  }

  /** As @libsql/client does: foreign keys off while migrations rebuild tables. */
  migrate(statements: InStatement[]): Promise<ResultSet[]> {
    return this.withConnection((connection) => {
      connection.execute("PRAGMA foreign_keys=off");
      try {
        return inTransaction(connection, "deferred", () =>
          statements.map((statement) => connection.execute(statement)),
        );
      } finally {
        connection.execute("PRAGMA foreign_keys=on");
        this.forgetStatements();
      }
    });
  }

  async transaction(mode: TransactionMode = "write"): Promise<Transaction> {
    const connection = this.borrow();
    try {
      connection.execute(beginOf(mode));
    } catch (error) {
      this.release(connection);
      throw error;
    }
    return new LocalTransaction(connection, () => this.release(connection));
  }

  executeMultiple(sql: string): Promise<void> {
    return this.withConnection((connection) => {
      try {
        connection.exec(sql);
      } finally {
        this.forgetStatements(); // the script may have changed the schema
      }
    });
  }

  sync(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  close(): void {
    this.closed = true;
    for (const connection of this.idle) this.drop(connection);
    this.idle = [];
  }

  reconnect(): void {
    this.close();
    this.closed = false;
  }

  private readonly forgetStatements = (): void => {
    for (const connection of this.connections) connection.forgetStatements();
  };

  /** Every call but a transaction's is synchronous underneath, so it gives its connection back at once. */
  private withConnection<T>(work: (connection: Connection) => T): Promise<T> {
    try {
      const connection = this.borrow();
      try {
        return Promise.resolve(work(connection));
      } finally {
        this.release(connection);
      }
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  private borrow(): Connection {
    if (this.closed) throw new LibsqlError("The client is closed", "CLIENT_CLOSED");
    const connection =
      this.idle.pop() ?? new Connection(this.path, this.busyTimeoutMs, this.forgetStatements);
    this.connections.add(connection);
    return connection;
  }

  private release(connection: Connection): void {
    if (this.closed) return this.drop(connection);
    if (connection.inTransaction) {
      try {
        connection.execute("ROLLBACK");
      } catch {
        return this.drop(connection); // unusable: never hand a half-open transaction to the next caller
      }
    }
    this.idle.push(connection);
  }

  private drop(connection: Connection): void {
    this.connections.delete(connection);
    connection.close();
  }
}

class LocalTransaction implements Transaction {
  closed = false;

  constructor(
    private readonly connection: Connection,
    private readonly giveBack: () => void,
  ) {}

  execute(statement: InStatement): Promise<ResultSet> {
    return this.whileOpen(() => this.connection.execute(statement));
  }

  batch(statements: InStatement[]): Promise<ResultSet[]> {
    return this.whileOpen(() => statements.map((statement) => this.connection.execute(statement)));
  }

  executeMultiple(sql: string): Promise<void> {
    return this.whileOpen(() => this.connection.exec(sql));
  }

  commit(): Promise<void> {
    return this.whileOpen(() => {
      this.connection.execute("COMMIT");
      this.close();
    });
  }

  rollback(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.whileOpen(() => this.close());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.giveBack(); // rolls back whatever is still open
  }

  private whileOpen<T>(work: () => T): Promise<T> {
    if (this.closed)
      return Promise.reject(new LibsqlError("The transaction is closed", "TRANSACTION_CLOSED"));
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(asLibsqlError(error));
    }
  }
}

function inTransaction<T>(connection: Connection, mode: TransactionMode, work: () => T): T {
  connection.execute(beginOf(mode));
  try {
    const result = work();
    connection.execute("COMMIT");
    return result;
  } finally {
    if (connection.inTransaction) connection.execute("ROLLBACK");
  }
}

function beginOf(mode: TransactionMode): string {
  switch (mode) {
    case "write":
      return "BEGIN IMMEDIATE";
    case "read":
      return "BEGIN TRANSACTION READONLY";
    case "deferred":
      return "BEGIN DEFERRED";
  }
}

const VALUES = Symbol("values");

/**
 * Rows shaped as @libsql/client's: enumerable fields by column name (the first of equal names wins) and
 * values by index (drizzle reads those) that Object.keys and JSON do not see. The index getters live on one
 * prototype per statement, so a row costs one object and plain assignments.
 */
function rowMaker(columns: string[]): (values: unknown[]) => Row {
  const prototype = {};
  columns.forEach((_, index) =>
    Object.defineProperty(prototype, index, {
      get(this: { [VALUES]: unknown[] }) {
        return this[VALUES][index];
      },
    }),
  );
  Object.defineProperty(prototype, "length", { value: columns.length });
  const named = columns.flatMap((name, index) =>
    columns.indexOf(name) === index ? [[name, index] as const] : [],
  );
  return (raw) => {
    const values = raw.map(fromSql);
    const row = Object.create(prototype) as Record<string | symbol, unknown>;
    row[VALUES] = values;
    for (const [name, index] of named) row[name] = values[index];
    return row as unknown as Row;
  };
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function fromSql(value: unknown): unknown {
  if (typeof value === "bigint") {
    if (value < MIN_SAFE || value > MAX_SAFE) {
      throw new RangeError("Received integer which cannot be safely represented as a JavaScript number");
    }
    return Number(value);
  }
  if (value instanceof Buffer)
    return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
  return value;
}

function toSqlArgs(args: InArgs | undefined): unknown[] | Record<string, unknown> {
  if (args === undefined) return [];
  if (Array.isArray(args)) return args.map(toSql);
  const named: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) named[name.replace(/^[@$:]/, "")] = toSql(value);
  return named;
}

function toSql(value: InValue): unknown {
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw new RangeError("Only finite numbers (not Infinity or NaN) can be passed as arguments");
    return value;
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (value instanceof Date) return value.valueOf();
  if (value === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
  return value;
}

function resultSet(
  prepared: Prepared,
  rows: Row[],
  rowsAffected: number,
  lastInsertRowid: bigint | undefined,
): ResultSet {
  const { columns, columnTypes } = prepared;
  return {
    columns,
    columnTypes,
    rows,
    rowsAffected,
    lastInsertRowid,
    toJSON: () => ({
      columns,
      columnTypes,
      rows,
      rowsAffected,
      lastInsertRowid: lastInsertRowid?.toString() ?? null,
    }),
  };
}

/** libsql's SqliteErrors as @libsql/client reports them: the base code in `code`, the extended one beside it. */
function asLibsqlError(error: unknown): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  const { message, code, rawCode } = error;
  const base = rawCode === undefined ? "SQLITE_UNKNOWN" : (BASE_CODES[rawCode & 0xff] ?? "SQLITE_UNKNOWN");
  return new LibsqlError(message, base, code, rawCode, error);
}

const BASE_CODES: Record<number, string> = {
  1: "SQLITE_ERROR",
  2: "SQLITE_INTERNAL",
  3: "SQLITE_PERM",
  4: "SQLITE_ABORT",
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  7: "SQLITE_NOMEM",
  8: "SQLITE_READONLY",
  9: "SQLITE_INTERRUPT",
  10: "SQLITE_IOERR",
  11: "SQLITE_CORRUPT",
  12: "SQLITE_NOTFOUND",
  13: "SQLITE_FULL",
  14: "SQLITE_CANTOPEN",
  15: "SQLITE_PROTOCOL",
  16: "SQLITE_EMPTY",
  17: "SQLITE_SCHEMA",
  18: "SQLITE_TOOBIG",
  19: "SQLITE_CONSTRAINT",
  20: "SQLITE_MISMATCH",
  21: "SQLITE_MISUSE",
  22: "SQLITE_NOLFS",
  23: "SQLITE_AUTH",
  24: "SQLITE_FORMAT",
  25: "SQLITE_RANGE",
  26: "SQLITE_NOTADB",
};
