import { randomUUID } from "node:crypto";
import type { Database, Execute, Tx } from "../db";
import { eventCatalog, producerOf, sourceOf, type EventData, type EventType } from "./catalog";
import { outbox } from "./tables";
import type { WireEvent } from "./wire";

/** Where an event came from in the request or event that caused it. */
export interface TraceContext {
  correlationId: string;
  traceparent: string;
}

export type Emit = <T extends EventType>(type: T, data: EventData<T>, subject?: string | number) => void;

export interface Outbox<S extends Record<string, unknown>> {
  /**
   * Runs a write transaction in which `emit` adds events to the outbox, so the state change and the events it
   * causes commit together. After the commit its rows go to `onCommit`, for the relay to publish at once.
   */
  write<T>(trace: TraceContext, work: (tx: Tx<S>, emit: Emit, execute: Execute) => Promise<T>): Promise<T>;
}

/** The insert of one outbox row: every publish writes it, so its text is fixed (Database.write's execute). */
const INSERT_ROW = `insert into outbox (id, type, source, subject, data, time, traceparent, correlation_id,
  created_at, sent_at, attempts, claimed_until) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const insertOf = (row: OutboxRow) => ({
  sql: INSERT_ROW,
  args: [
    row.id,
    row.type,
    row.source,
    row.subject,
    row.data,
    row.time,
    row.traceparent,
    row.correlationId,
    row.createdAt,
    row.sentAt,
    row.attempts,
    row.claimedUntil,
  ],
});

export function createOutbox<S extends Record<string, unknown>>(options: {
  database: Database<S>;
  source: string;
  /** Called after every commit that emitted something, with the rows it committed. */
  onCommit: (committed: OutboxRow[]) => void;
  /**
   * When set, the rows are inserted already claimed for this long (claimed_until), by whoever `onCommit` hands
   * them to: it posts them without claiming them again, and no other relay takes them before the claim runs
   * out. Unset, they wait unclaimed for a relay's pass.
   */
  claimMs?: number | undefined;
}): Outbox<S> {
  return {
    async write(trace, work) {
      let committed: OutboxRow[] = [];
      const result = await options.database.write(async (tx, execute) => {
        const pending: OutboxRow[] = [];
        const emit: Emit = (type, data, subject) => {
          // Receivers refuse it from any other source; failing here shows the mistake in the emitter's test.
          if (sourceOf(producerOf[type]) !== options.source) {
            throw new Error(`${options.source} may not emit ${type}: only ${producerOf[type]} does`);
          }
          const checked = eventCatalog[type].parse(data);
          pending.push({
            id: randomUUID(),
            type,
            source: options.source,
            subject: subject === undefined ? null : String(subject),
            data: JSON.stringify(checked),
            time: new Date().toISOString(),
            traceparent: trace.traceparent,
            correlationId: trace.correlationId,
            createdAt: Date.now(),
            sentAt: null,
            attempts: 0,
            claimedUntil: null,
          });
        };
        const value = await work(tx, emit, execute);
        if (pending.length > 0) {
          // Claimed from the insert on, so the claim covers the commit and the post that follows it.
          const claimedUntil = options.claimMs === undefined ? null : Date.now() + options.claimMs;
          for (const row of pending) {
            row.claimedUntil = claimedUntil;
            await execute(insertOf(row));
          }
        }
        committed = pending;
        return value;
      });
      if (committed.length > 0) options.onCommit(committed);
      return result;
    },
  };
}

/** An outbox row as the relay reads it. */
export type OutboxRow = typeof outbox.$inferSelect;

const encoder = new TextEncoder();

/** The CloudEvent an outbox row stands for, before its producer signs it: the row's columns as attributes. */
export function toWireEvent(
  row: Pick<
    OutboxRow,
    "id" | "type" | "source" | "subject" | "time" | "data" | "traceparent" | "correlationId"
  >,
): WireEvent {
  const attributes: Record<string, string> = {
    specversion: "1.0",
    id: row.id,
    type: row.type,
    source: row.source,
    time: row.time,
    datacontenttype: "application/json",
  };
  if (row.subject) attributes["subject"] = row.subject;
  if (row.traceparent) attributes["traceparent"] = row.traceparent;
  if (row.correlationId) attributes["correlationid"] = row.correlationId;
  return { attributes, data: encoder.encode(row.data) };
}
