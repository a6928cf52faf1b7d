import type {
  Client,
  InArgs,
  InStatement,
  Replicated,
  ResultSet,
  Transaction,
  TransactionMode,
} from "@libsql/core/api";

/** Runs one statement of fixed SQL text in the write transaction in progress, beside drizzle's statements. */
export type Execute = (statement: InStatement) => Promise<ResultSet>;

/**
 * The client drizzle is given: the same client, keeping the transaction drizzle last opened on it. Only
 * Database.write opens transactions, and writes run one at a time in a process, so while a write's work runs
 * the transaction kept is that write's own: `execute` runs statements in it as they are, where drizzle would
 * build the text of each anew on every call, even of a `sql` template. On the event path, where every delivery
 * and every publish writes the same few statements, drizzle was 8 % of the pipeline's CPU (BENCHMARKS.md).
 */
export class OpenTransactionClient implements Client {
  private open: Transaction | undefined;

  constructor(private readonly client: Client) {}

  readonly execute: Client["execute"] = (statement: InStatement | string, args?: InArgs) =>
    typeof statement === "string" ? this.client.execute(statement, args) : this.client.execute(statement);

  /** For Database.write only: runs the statement in the transaction drizzle opened for the write. */
  readonly executeInOpenTransaction: Execute = (statement) => {
    if (!this.open) return Promise.reject(new Error("a statement for a write transaction ran outside one"));
    return this.open.execute(statement);
  };

  async transaction(mode?: TransactionMode): Promise<Transaction> {
    this.open = await this.client.transaction(mode);
    return this.open;
  }

  /** Called by Database.write once its transaction is over, committed or rolled back. */
  forgetTransaction(): void {
    this.open = undefined;
  }

  batch(statements: Array<InStatement | [string, InArgs?]>, mode?: TransactionMode): Promise<ResultSet[]> {
    return this.client.batch(statements, mode);
  }

  migrate(statements: InStatement[]): Promise<ResultSet[]> {
    return this.client.migrate(statements);
  }

  executeMultiple(sql: string): Promise<void> {
    return this.client.executeMultiple(sql);
  }

  sync(): Promise<Replicated> {
    return this.client.sync();
  }

  close(): void {
    this.client.close();
  }

  reconnect(): void {
    this.client.reconnect();
  }

  get closed(): boolean {
    return this.client.closed;
  }

  get protocol(): string {
    return this.client.protocol;
  }
}
