import { and, count, desc, eq, gte, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "@bazaar/shared/db";
import { NotFound } from "@bazaar/shared/errors";
import type { DeadLettersSchema } from "../db";
import { deadLetters } from "../db/schema";
import type { ReplayOutcome } from "./replay";

/** A stored dead letter, and one read from the broker before it is stored (domain/intake.ts). */
export type DeadLetter = typeof deadLetters.$inferSelect;
export type NewDeadLetter = typeof deadLetters.$inferInsert;
type DeadLettersDb = Database<DeadLettersSchema>;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** knativeerrordata is the failing subscriber's answer in base64; shown decoded when it is readable text. */
export function decodeErrorData(value: string | null): string | null {
  if (!value || !BASE64.test(value)) return null;
  try {
    return utf8.decode(Buffer.from(value, "base64"));
  } catch {
    return null;
  }
}

/** Replayed means: the last replay was accepted (2xx). A failed replay leaves it waiting for attention. */
const replayedOk = and(gte(deadLetters.lastReplayStatus, 200), lt(deadLetters.lastReplayStatus, 300));
const notReplayedOk = or(
  isNull(deadLetters.lastReplayStatus),
  lt(deadLetters.lastReplayStatus, 200),
  gte(deadLetters.lastReplayStatus, 300),
);
const isReplayedOk = (status: number | null): boolean => status !== null && status >= 200 && status < 300;

export const deadLetterView = (d: DeadLetter) => ({
  id: d.id,
  event_id: d.eventId,
  event_source: d.eventSource,
  event_type: d.eventType,
  subject: d.subject,
  data: d.data,
  datacontenttype: d.datacontenttype,
  extensions: JSON.parse(d.extensions) as Record<string, unknown>,
  error_dest: d.errorDest || null,
  error_code: d.errorCode,
  error_data: d.errorData,
  error_detail: decodeErrorData(d.errorData),
  received_at: d.receivedAt,
  replayed: isReplayedOk(d.lastReplayStatus),
  replay_count: d.replayCount,
  last_replayed_at: d.lastReplayedAt,
  last_replay_status: d.lastReplayStatus,
  last_replay_error: d.lastReplayError,
});

/** Stores a dead letter once per (source, id, subscriber); the second delivery finds the first row. */
export async function storeDeadLetter(
  database: DeadLettersDb,
  letter: NewDeadLetter,
): Promise<{ id: number; duplicate: boolean }> {
  return database.write(async (tx) => {
    const [inserted] = await tx
      .insert(deadLetters)
      .values(letter)
      .onConflictDoNothing()
      .returning({ id: deadLetters.id });
    if (inserted) return { id: inserted.id, duplicate: false };
    const [existing] = await tx
      .select({ id: deadLetters.id })
      .from(deadLetters)
      .where(
        and(
          eq(deadLetters.eventSource, letter.eventSource),
          eq(deadLetters.eventId, letter.eventId),
          eq(deadLetters.errorDest, letter.errorDest ?? ""),
        ),
      );
    if (!existing) throw new Error("dead letter was neither inserted nor found");
    return { id: existing.id, duplicate: true };
  });
}

export interface ListFilter {
  type?: string | undefined;
  replayed?: boolean | undefined;
  limit: number;
  page: number;
}

/** Newest first. */
export async function listDeadLetters(database: DeadLettersDb, filter: ListFilter) {
  const replayState: SQL | undefined =
    filter.replayed === undefined ? undefined : filter.replayed ? replayedOk : notReplayedOk;
  const where = and(
    filter.type === undefined ? undefined : eq(deadLetters.eventType, filter.type),
    replayState,
  );
  const rows = await database.db
    .select()
    .from(deadLetters)
    .where(where)
    .orderBy(desc(deadLetters.id))
    .limit(filter.limit)
    .offset((filter.page - 1) * filter.limit);
  const [total] = await database.db.select({ n: count() }).from(deadLetters).where(where);
  return {
    dead_letters: rows.map(deadLetterView),
    page: filter.page,
    limit: filter.limit,
    total: total?.n ?? 0,
  };
}

/** For the gauge: dead letters still waiting for a successful replay. */
export async function countUnreplayed(database: DeadLettersDb): Promise<number> {
  const [row] = await database.db.select({ n: count() }).from(deadLetters).where(notReplayedOk);
  return row?.n ?? 0;
}

export async function findDeadLetter(database: DeadLettersDb, id: number): Promise<DeadLetter> {
  const [row] = await database.db.select().from(deadLetters).where(eq(deadLetters.id, id));
  if (!row) throw new NotFound(`dead letter ${id} not found`);
  return row;
}

export async function recordReplay(
  database: DeadLettersDb,
  id: number,
  outcome: ReplayOutcome,
): Promise<void> {
  await database.write((tx) =>
    tx
      .update(deadLetters)
      .set({
        replayCount: sql`${deadLetters.replayCount} + 1`,
        lastReplayedAt: new Date().toISOString(),
        lastReplayStatus: outcome.status,
        lastReplayError: outcome.error,
      })
      .where(eq(deadLetters.id, id)),
  );
}

export async function deleteDeadLetter(database: DeadLettersDb, id: number): Promise<void> {
  const removed = await database.write((tx) =>
    tx.delete(deadLetters).where(eq(deadLetters.id, id)).returning({ id: deadLetters.id }),
  );
  if (removed.length === 0) throw new NotFound(`dead letter ${id} not found`);
}
