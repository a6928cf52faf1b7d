import { asc, count, eq, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Logger } from "pino";
import * as z from "zod";
import { openDatabase } from "../db";
import { Unavailable } from "../errors";
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
  /** One delivery row per Trigger, in one commit; resolves once committed, with each row's id. */
  accept(triggers: readonly string[], event: BrokerEvent): Promise<{ id: number; trigger: string }[]>;
  /** Replaces a failed delivery by its dead letter in one commit; resolves with the dead letter's id. */
  deadLetter(deliveryId: number, trigger: string, deadLetter: BrokerEvent): Promise<number>;
  /** The delivery is done (delivered, or refused for good): its row goes with the next batch of deletes. */
  delivered(id: number): void;
  /** The dead-letter sink took it: the same. */
  deadLettered(id: number): void;
  /** Every row, oldest first: what an earlier process accepted and did not finish. */
  load(): Promise<{ deliveries: StoredEvent[]; deadLetters: StoredEvent[] }>;
  /** Writes the pending deletes, then closes; resolves with how many events stay on disk. */
  close(): Promise<number>;
}

const attributesSchema = z.record(z.string(), z.string());

/**
 * A libSQL file through shared/db (WAL, synchronous=NORMAL: a commit survives the process, not necessarily a
 * power cut). Finished rows are deleted in batches, one transaction per turn of the event loop: a crash right
 * after a delivery may deliver it again at the next start, which consumers dedupe by (source, id) anyway.
 */
export async function openQueueStore(
  location: { url: string; authToken?: string | undefined },
  logger: Logger,
): Promise<QueueStore> {
  const database = await openDatabase({ ...location, schema, migrationsFolder });
  const { db } = database;
  const finished = { deliveries: [] as number[], deadLetters: [] as number[] };
  let flushScheduled = false;
  let closed = false;

  const rowOf = (trigger: string, event: BrokerEvent) => ({
    trigger,
    attributes: JSON.stringify(event.attributes),
    data: Buffer.from(event.data.buffer, event.data.byteOffset, event.data.byteLength),
  });

  const open = (): void => {
    if (closed) throw new Unavailable("the broker is shutting down");
  };

  /** Deletes what finished; through the write lock even when nothing did, so close waits for every write. */
  async function flush(): Promise<void> {
    const deliveries = finished.deliveries.splice(0);
    const deadLetters = finished.deadLetters.splice(0);
    try {
      await database.write(async (tx) => {
        if (deliveries.length > 0)
          await tx.delete(pendingDeliveries).where(idIn(pendingDeliveries.id, deliveries));
        if (deadLetters.length > 0)
          await tx.delete(pendingDeadLetters).where(idIn(pendingDeadLetters.id, deadLetters));
      });
    } catch (error) {
      logger.error(
        { err: error, deliveries, dead_letters: deadLetters },
        "could not delete finished events from disk: the next start delivers them again",
      );
    }
  }

  function forget(ids: number[], id: number): void {
    if (closed) return; // the row stays: delivered again at the next start, deduped by the consumer
    ids.push(id);
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      if (!closed) void flush();
    });
  }

  return {
    async accept(triggers, event) {
      open();
      return database.write((tx) =>
        tx
          .insert(pendingDeliveries)
          .values(triggers.map((trigger) => rowOf(trigger, event)))
          .returning({ id: pendingDeliveries.id, trigger: pendingDeliveries.trigger }),
      );
    },

    async deadLetter(deliveryId, trigger, deadLetter) {
      open();
      return database.write(async (tx) => {
        await tx.delete(pendingDeliveries).where(eq(pendingDeliveries.id, deliveryId));
        const [row] = await tx
          .insert(pendingDeadLetters)
          .values(rowOf(trigger, deadLetter))
          .returning({ id: pendingDeadLetters.id });
        if (!row) throw new Error("the dead letter was not stored");
        return row.id;
      });
    },

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
      await flush();
      const left = async (table: typeof pendingDeliveries | typeof pendingDeadLetters) =>
        (await db.select({ rows: count() }).from(table))[0]?.rows ?? 0;
      const stay = (await left(pendingDeliveries)) + (await left(pendingDeadLetters));
      database.close();
      return stay;
    },
  };
}

/** One statement whatever the number of ids, so the client's prepared statements serve every batch. */
const idIn = (column: SQLiteColumn, ids: number[]): SQL =>
  sql`${column} in (select value from json_each(${JSON.stringify(ids)}))`;
