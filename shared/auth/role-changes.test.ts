import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Invalid } from "../errors";
import type { BazaarEvent, EventData } from "../events";
import { createLogger } from "../observability";
import { openTestDatabase, type TestDatabase } from "../testing/database";
import { changeTimeOf, MAX_CLOCK_SKEW_MS, recordRoleChange, roleChanges } from "./role-changes";

const schema = { roleChanges };
let opened: TestDatabase<typeof schema>;
beforeAll(async () => (opened = await openTestDatabase(schema)));
afterAll(() => opened.dispose());

const change = (customer_id: number, at: number): EventData<"bazaar.customer.role_changed"> => ({
  customer_id,
  role: "customer",
  previous_role: "admin",
  changed_at: new Date(at).toISOString(),
});

/** The handler called as the receiver calls it, without the receiver: no signature, no dedupe. */
const record = (data: EventData<"bazaar.customer.role_changed">) => {
  const event: BazaarEvent<"bazaar.customer.role_changed"> = {
    id: randomUUID(),
    source: "/bazaar/customer",
    type: "bazaar.customer.role_changed",
    subject: String(data.customer_id),
    time: undefined,
    data,
    traceparent: undefined,
    correlationid: undefined,
  };
  const log = createLogger("test", "silent");
  return opened.database.write((tx) =>
    recordRoleChange(event, { tx, emit: () => undefined, log, afterCommit: () => undefined }),
  );
};
const keptFor = async (customerId: number) =>
  (await opened.database.db.select().from(roleChanges)).filter((row) => row.customerId === customerId);

describe("the time of a role change", () => {
  const now = Date.parse("2025-06-01T12:00:00.000Z");

  it("is taken as sent up to the clock skew ahead of this clock, and in the past without limit", () => {
    expect(changeTimeOf(change(1, now + MAX_CLOCK_SKEW_MS), now)).toBe(now + MAX_CLOCK_SKEW_MS);
    expect(changeTimeOf(change(1, now - 90 * 24 * 3600 * 1000), now)).toBe(now - 90 * 24 * 3600 * 1000);
  });

  it("is refused beyond the skew, naming the account, the time and this clock", () => {
    expect(() => changeTimeOf(change(1, now + MAX_CLOCK_SKEW_MS + 1), now)).toThrow(Invalid);
    expect(() => changeTimeOf(change(4, Date.parse("2099-01-01T00:00:00Z")), now)).toThrow(
      "role change of account 4 dated 2099-01-01T00:00:00.000Z, more than 120 s after this clock's " +
        "2025-06-01T12:00:00.000Z",
    );
  });
});

describe("recordRoleChange", () => {
  it("refuses a change dated in 2099 and keeps nothing, so a later real change still applies", async () => {
    await expect(record(change(21, Date.parse("2099-01-01T00:00:00Z")))).rejects.toThrow(Invalid);
    expect(await keptFor(21)).toEqual([]);

    const real = Date.now();
    expect(await record(change(21, real))).toBe("applied");
    expect(await keptFor(21)).toEqual([{ customerId: 21, role: "customer", changedAt: real }]);
  });

  it("keeps a change a little ahead of this clock (a producer's clock may run fast)", async () => {
    const ahead = Date.now() + 30_000;
    expect(await record(change(22, ahead))).toBe("applied");
    expect(await keptFor(22)).toEqual([{ customerId: 22, role: "customer", changedAt: ahead }]);
  });

  it("refuses a future change even over a change already kept", async () => {
    const real = Date.now();
    await record(change(23, real));
    await expect(record(change(23, real + 10 * MAX_CLOCK_SKEW_MS))).rejects.toThrow(Invalid);
    expect(await keptFor(23)).toEqual([{ customerId: 23, role: "customer", changedAt: real }]);
  });
});
