import { asc } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../testing/database";
import { createOutbox, type Outbox, type OutboxRow } from "./outbox";
import { outbox } from "./tables";

const accounts = sqliteTable("accounts", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  email: text("email").notNull(),
});
const schema = { accounts, outbox };
type Schema = typeof schema;

const trace = {
  correlationId: "signup-1",
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
};
let opened: TestDatabase<Schema>;
let events: Outbox<Schema>;
let commits: number;
let handed: OutboxRow[];

beforeEach(async () => {
  opened = await openTestDatabase(schema);
  commits = 0;
  handed = [];
  events = createOutbox({
    database: opened.database,
    source: "/bazaar/customer",
    onCommit: (committed) => {
      commits += 1;
      handed = committed;
    },
  });
});
afterEach(() => opened.dispose());

const rows = () => opened.database.db.select().from(outbox).orderBy(asc(outbox.createdAt));
const accountRows = () => opened.database.db.select().from(accounts);

describe("outbox.write", () => {
  it("refuses to emit a type another function produces, and commits nothing", async () => {
    const write = events.write(trace, async (tx, emit) => {
      await tx.insert(accounts).values({ email: "b@example.com" });
      emit("bazaar.payment.succeeded", { order_id: 1, customer_id: 1, payment_id: 1, amount_cents: 100 }, 1);
    });
    await expect(write).rejects.toThrow("/bazaar/customer may not emit bazaar.payment.succeeded");
    expect(await accountRows()).toEqual([]);
    expect(await rows()).toEqual([]);
  });

  it("commits the state change and its events together, then hands the committed rows on", async () => {
    const id = await events.write(trace, async (tx, emit) => {
      const [row] = await tx.insert(accounts).values({ email: "a@example.com" }).returning();
      emit(
        "bazaar.customer.registered",
        { customer_id: row!.id, email: "a@example.com", name: "A", role: "customer" },
        row!.id,
      );
      return row!.id;
    });
    expect(await accountRows()).toEqual([{ id, email: "a@example.com" }]);
    const [event] = await rows();
    expect(event).toMatchObject({
      type: "bazaar.customer.registered",
      source: "/bazaar/customer",
      subject: String(id),
      traceparent: trace.traceparent,
      correlationId: "signup-1",
      sentAt: null,
      attempts: 0,
      claimedUntil: null, // no claimMs: left to a relay's pass
    });
    expect(handed).toEqual([event]);
    expect(event!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(event!.data)).toEqual({
      customer_id: id,
      email: "a@example.com",
      name: "A",
      role: "customer",
    });
    expect(commits).toBe(1);
  });

  it("rolls back the state and the events when the work throws", async () => {
    await expect(
      events.write(trace, async (tx, emit) => {
        await tx.insert(accounts).values({ email: "b@example.com" });
        emit("bazaar.customer.deleted", { customer_id: 1 }, 1);
        throw new Error("payment provider said no");
      }),
    ).rejects.toThrow("payment provider said no");
    expect(await accountRows()).toEqual([]);
    expect(await rows()).toEqual([]);
    expect(commits).toBe(0);
  });

  it("refuses data that does not match the catalog, and nothing commits", async () => {
    await expect(
      events.write(trace, async (tx, emit) => {
        await tx.insert(accounts).values({ email: "c@example.com" });
        emit("bazaar.customer.deleted", { customer_id: -1 });
      }),
    ).rejects.toThrow();
    expect(await accountRows()).toEqual([]);
    expect(await rows()).toEqual([]);
  });

  it("inserts its rows claimed for claimMs when given one, for whoever it hands them to", async () => {
    const claiming = createOutbox({
      database: opened.database,
      source: "/bazaar/customer",
      claimMs: 10_000,
      onCommit: (committed) => (handed = committed),
    });
    const before = Date.now();
    await claiming.write(trace, async (_tx, emit) => {
      emit("bazaar.customer.deleted", { customer_id: 1 }, 1);
      emit("bazaar.customer.deleted", { customer_id: 2 }, 2);
    });
    const after = Date.now();
    const inserted = await rows();
    expect(handed).toEqual(inserted);
    for (const row of inserted) {
      expect(row.claimedUntil).toBeGreaterThanOrEqual(before + 10_000);
      expect(row.claimedUntil).toBeLessThanOrEqual(after + 10_000);
    }
  });

  it("keeps the events of one write in emit order and does not call onCommit for a write without events", async () => {
    await events.write(trace, async (_tx, emit) => {
      for (const customer_id of [3, 1, 2]) emit("bazaar.customer.deleted", { customer_id }, customer_id);
    });
    expect((await rows()).map((r) => r.subject)).toEqual(["3", "1", "2"]);
    expect(commits).toBe(1);
    await events.write(trace, async (tx) => tx.insert(accounts).values({ email: "d@example.com" }));
    expect(commits).toBe(1);
  });
});
