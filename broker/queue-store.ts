import { asc, count } from "drizzle-orm";
import type { Logger } from "pino";
import * as z from "zod";
import { openDatabase, type Execute } from "@bazaar/shared/db";
import { Unavailable } from "@bazaar/shared/errors";
import { migrationsFolder, schema } from "./db";
import type { BrokerEvent } from "./message";

const { pendingDeliveries, pendingDeadLetters } = schema;

/** An event on disk for one Trigger. */
export interface StoredEvent {
  id: number;
  trigger: string;
  event: BrokerEvent;
}

/** The embedded broker's queues on disk: what the work queues in memory hold, kept until it is finished. */
export interface QueueStore {
  /**
   * Stores a delivery row per Trigger; resolves once committed. `onCommit` gets the rows' ids right after the
   * commit, in commit order, so that the caller can queue them in the order a restart would load them.
   */
  accept(
    triggers: readonly string[],
    event: BrokerEvent,
    onCommit: (rows: { id: number; trigger: string }[]) => void,
  ): Promise<void>;
  /** Replaces a failed delivery by its dead letter in one commit; `onCommit` gets the dead letter's id. */
  deadLetter(
    deliveryId: number,
    trigger: string,
    deadLetter: BrokerEvent,
    onCommit: (id: number) => void,
  ): Promise<void>;
  /** The delivery is done (delivered, or refused for good): its row goes with the next commit. */
  delivered(id: number): void;
  /** The dead-letter sink took it: the same. */
  deadLettered(id: number): void;
  /** Every row, oldest first: what an earlier process accepted and did not finish. */
  load(): Promise<{ deliveries: StoredEvent[]; deadLetters: StoredEvent[] }>;
  /** Commits what is pending, then closes; resolves with how many events stay on disk. */
  close(): Promise<number>;
}

/** A write waiting for the next commit: it runs inside the transaction and says what to do once committed. */
interface PendingWrite {
  run(execute: Execute): Promise<() => void>;
  fail(error: unknown): void;
}

const attributesSchema = z.record(z.string(), z.string());

// The writes (openQueueStore says why they are fixed text). A list of ids or Triggers goes as one JSON array,
// so that one text serves every length.
const INSERT_DELIVERIES = `insert into pending_deliveries (trigger, attributes, data)
  select value, ?, ? from json_each(?)`;
const INSERT_DEAD_LETTER = "insert into pending_dead_letters (trigger, attributes, data) values (?, ?, ?)";
const DELETE_DELIVERY = "delete from pending_deliveries where id = ?";
const DELETE_DELIVERIES = "delete from pending_deliveries where id in (select value from json_each(?))";
const DELETE_DEAD_LETTERS = "delete from pending_dead_letters where id in (select value from json_each(?))";

/**
 * A libSQL file through shared/db (WAL, synchronous=NORMAL: a commit survives the process, not necessarily a
 * power cut). Group commit: what the broker writes in one turn of the event loop (new events, dead letters,
 * deletes of finished rows) goes into one transaction, so that a busy broker commits far less often than it
 * publishes. A crash right after a delivery may deliver it again at the next start, which consumers dedupe by
 * (source, id) anyway.
 *
 * The writes are fixed SQL text over db/schema.ts's tables, run in the write's transaction as they are
 * (Database.write's execute), not built by drizzle on every call: building an insert took as long as running
 * it (2026-12-02, Node 20.20: a publish to two Triggers 100-180 µs of CPU with the builder and RETURNING, 45-60
 * µs as SQL text, each in a transaction of its own). With both, the broker's CPU per event under load was
 * within the noise of the in-memory transport it replaced (475-543 against 480-630 µs, same day).
 */
export async function openQueueStore(
  location: { url: string; authToken?: string | undefined },
  logger: Logger,
): Promise<QueueStore> {
  const database = await openDatabase({ ...location, schema, migrationsFolder });
  const { db } = database;
  let writes: PendingWrite[] = [];
  const finished = { deliveries: [] as number[], deadLetters: [] as number[] };
  let commitScheduled = false;
  let closed = false;

  /** One transaction for everything pending; through the write lock even when nothing is, so close waits. */
  async function commit(): Promise<void> {
    const batch = writes;
    writes = [];
    const deliveries = finished.deliveries.splice(0);
    const deadLetters = finished.deadLetters.splice(0);
    let afterCommit: (() => void)[];
    try {
      afterCommit = await database.write(async (_tx, execute) => {
        const settle: (() => void)[] = [];
        for (const write of batch) settle.push(await write.run(execute));
        if (deliveries.length > 0)
          await execute({ sql: DELETE_DELIVERIES, args: [JSON.stringify(deliveries)] });
        if (deadLetters.length > 0)
          await execute({ sql: DELETE_DEAD_LETTERS, args: [JSON.stringify(deadLetters)] });
        return settle;
      });
    } catch (error) {
      for (const write of batch) write.fail(error);
      if (deliveries.length + deadLetters.length > 0) {
        logger.error(
          { err: error, deliveries, dead_letters: deadLetters },
          "could not delete finished events from disk: the next start delivers them again",
        );
      }
      return;
    }
    for (const settle of afterCommit) settle();
  }

  function schedule(): void {
    if (commitScheduled) return;
    commitScheduled = true;
    setImmediate(() => {
      commitScheduled = false;
      if (!closed) void commit();
    });
  }

  function enqueue<R>(run: (execute: Execute) => Promise<R>, onCommit: (result: R) => void): Promise<void> {
    if (closed) return Promise.reject(new Unavailable("the broker is shutting down"));
    return new Promise<void>((resolve, reject) => {
      writes.push({
        run: async (execute) => {
          const result = await run(execute);
          return () => {
            try {
              onCommit(result);
              resolve();
            } catch (error) {
              reject(error); // and the other writes of the commit still settle
            }
          };
        },
        fail: reject,
      });
      schedule();
    });
  }

  function forget(ids: number[], id: number): void {
    if (closed) return; // the row stays: delivered again at the next start, deduped by the consumer
    ids.push(id);
    schedule();
  }

  return {
    accept: (triggers, event, onCommit) =>
      enqueue(async (execute) => {
        const { lastInsertRowid } = await execute({
          sql: INSERT_DELIVERIES,
          args: [JSON.stringify(event.attributes), bytesOf(event), JSON.stringify(triggers)],
        });
        // Rowids are handed out one above the largest, in the order json_each lists the Triggers.
        const last = Number(lastInsertRowid);
        return triggers.map((trigger, index) => ({ id: last - triggers.length + 1 + index, trigger }));
      }, onCommit),

    deadLetter: (deliveryId, trigger, deadLetter, onCommit) =>
      enqueue(async (execute) => {
        await execute({ sql: DELETE_DELIVERY, args: [deliveryId] });
        const { lastInsertRowid } = await execute({
          sql: INSERT_DEAD_LETTER,
          args: [trigger, JSON.stringify(deadLetter.attributes), bytesOf(deadLetter)],
        });
        return Number(lastInsertRowid);
      }, onCommit),

    delivered: (id) => forget(finished.deliveries, id),
    deadLettered: (id) => forget(finished.deadLetters, id),

    async load() {
      const read = async (table: typeof pendingDeliveries | typeof pendingDeadLetters) =>
        (await db.select().from(table).orderBy(asc(table.id))).map((row) => ({
          id: row.id,
          trigger: row.trigger,
          event: {
            attributes: attributesSchema.parse(JSON.parse(row.attributes)),
            data: new Uint8Array(row.data),
          },
        }));
      return { deliveries: await read(pendingDeliveries), deadLetters: await read(pendingDeadLetters) };
    },

    async close() {
      closed = true;
      await commit();
      const left = async (table: typeof pendingDeliveries | typeof pendingDeadLetters) =>
        (await db.select({ rows: count() }).from(table))[0]?.rows ?? 0;
      const stay = (await left(pendingDeliveries)) + (await left(pendingDeadLetters));
      database.close();
      return stay;
    },
  };
}

const bytesOf = (event: BrokerEvent): Buffer =>
  Buffer.from(event.data.buffer, event.data.byteOffset, event.data.byteLength);
