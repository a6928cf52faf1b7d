import { asc } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { countingWrites, openTestDatabase, type TestDatabase } from "../testing/database";
import { createOutbox, type OutboxRow } from "./outbox";
import { createOutcomeWriter } from "./outcomes";
import { outbox } from "./tables";

const schema = { outbox };
type Schema = typeof schema;
const trace = {
  correlationId: "outcomes-test",
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
};
let opened: TestDatabase<Schema>;

beforeEach(async () => (opened = await openTestDatabase(schema)));
afterEach(() => {
  vi.useRealTimers();
  opened.dispose();
});

/** Four rows, claimed as a relay posting them holds them. */
async function fourClaimed(): Promise<OutboxRow[]> {
  let rows: OutboxRow[] = [];
  const events = createOutbox({
    database: opened.database,
    source: "/bazaar/customer",
    claimMs: 60_000,
    onCommit: (committed) => (rows = committed),
  });
  await events.write(trace, async (_tx, emit) => {
    for (const customer_id of [1, 2, 3, 4]) emit("bazaar.customer.deleted", { customer_id }, customer_id);
  });
  return rows;
}

const stateOf = async () =>
  (await opened.database.db.select().from(outbox).orderBy(asc(outbox.subject))).map((row) => ({
    subject: row.subject,
    sent: row.sentAt !== null,
    attempts: row.attempts,
    claimed: row.claimedUntil !== null,
  }));

describe("createOutcomeWriter", () => {
  it("marks the sent rows and gives the failed ones back with one more attempt", async () => {
    const [a, b, c] = await fourClaimed();
    const record = createOutcomeWriter(opened.database, 0);
    await record({ sent: [a!, c!], failed: [b!] });
    expect(await stateOf()).toEqual([
      { subject: "1", sent: true, attempts: 0, claimed: true },
      { subject: "2", sent: false, attempts: 1, claimed: false },
      { subject: "3", sent: true, attempts: 0, claimed: true },
      { subject: "4", sent: false, attempts: 0, claimed: true }, // no outcome yet: still being posted
    ]);
  });

  it("writes the outcomes that arrive while the write lock is taken in one transaction", async () => {
    const [a, b, c, d] = await fourClaimed();
    const counted = countingWrites(opened.database);
    const record = createOutcomeWriter(counted, 0);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holder = opened.database.write(() => held); // a producer's transaction, say
    const outcomes = [
      record({ sent: [a!], failed: [] }),
      record({ sent: [b!], failed: [c!] }),
      record({ sent: [], failed: [d!] }),
    ];
    release();
    await Promise.all([holder, ...outcomes]);
    expect(counted.writes).toBe(1);
    expect(await stateOf()).toEqual([
      { subject: "1", sent: true, attempts: 0, claimed: true },
      { subject: "2", sent: true, attempts: 0, claimed: true },
      { subject: "3", sent: false, attempts: 1, claimed: false },
      { subject: "4", sent: false, attempts: 1, claimed: false },
    ]);

    // Once that transaction has begun, the next outcome takes a transaction of its own.
    await record({ sent: [c!], failed: [] });
    expect(counted.writes).toBe(2);
  });

  it("gathers the outcomes recorded within gatherMs of the first into its transaction", async () => {
    const [a, b, c] = await fourClaimed();
    const counted = countingWrites(opened.database);
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const record = createOutcomeWriter(counted, 50);
    const first = record({ sent: [a!], failed: [] });
    await new Promise((resolve) => setImmediate(resolve)); // another post's answer, a turn of the loop later
    const second = record({ sent: [b!], failed: [c!] });
    expect(counted.writes).toBe(0); // nothing asked of the database yet
    vi.advanceTimersByTime(50);
    await Promise.all([first, second]);
    expect(counted.writes).toBe(1);
    expect((await stateOf()).slice(0, 3)).toEqual([
      { subject: "1", sent: true, attempts: 0, claimed: true },
      { subject: "2", sent: true, attempts: 0, claimed: true },
      { subject: "3", sent: false, attempts: 1, claimed: false },
    ]);
  });
});
