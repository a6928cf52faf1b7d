import { eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMetrics } from "@bazaar/shared/observability";
import { createTestKit, type TestKit } from "@bazaar/shared/testing";
import { migrationsFolder, schema, type PaymentSchema } from "../db";
import { payments } from "../db/schema";
import type { Processor } from "./processor";
import { createSettler, type Settler } from "./settlement";

/** A processor that counts what it was asked to charge, per order, and takes a moment over each charge. */
function countingProcessor(delayMs: number) {
  const charges = new Map<number, number>();
  const processor: Processor = {
    async charge({ orderId }) {
      charges.set(orderId, (charges.get(orderId) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, delayMs));
      return { ok: true };
    },
  };
  return { processor, charges };
}

let kit: TestKit<PaymentSchema>;
const settlers: Settler[] = [];
beforeEach(async () => (kit = await createTestKit({ service: "payment", schema, migrationsFolder })));
afterEach(async () => {
  for (const settler of settlers.splice(0)) await settler.stop();
  kit.close();
});

const settlerOn = (replica: Pick<TestKit<PaymentSchema>, "database" | "outbox">, processor: Processor) => {
  // Each replica is a process with its own metrics.
  const metrics = createMetrics("payment");
  const settler = createSettler({ ...replica, processor, logger: kit.http.logger, metrics });
  settlers.push(settler);
  return settler;
};

async function pendingPayments(count: number): Promise<void> {
  const at = new Date().toISOString();
  await kit.database.write((tx) =>
    tx.insert(payments).values(
      Array.from({ length: count }, (_, i) => ({
        orderId: i + 1,
        customerId: 7,
        amountCents: 1000 + i,
        method: "tok_visa",
        status: "pending" as const,
        createdAt: at,
        updatedAt: at,
      })),
    ),
  );
}

describe("settlement with replicas", () => {
  it("charges each pending payment once when two replicas settle at the same time", async () => {
    await pendingPayments(40);
    const { processor, charges } = countingProcessor(10);
    const first = settlerOn(kit, processor);
    const second = settlerOn(await kit.replica(), processor);

    const [byFirst = 0, bySecond = 0] = await Promise.all([first.settle(), second.settle()]);
    await Promise.all([first.settle(), second.settle()]); // the next ticks find nothing left to charge

    expect(byFirst + bySecond).toBe(40);
    expect([...charges.values()].every((n) => n === 1)).toBe(true);
    expect(charges.size).toBe(40);
    const rows = await kit.database.db.select().from(payments);
    expect(rows.every((p) => p.status === "succeeded")).toBe(true);
    const succeeded = (await kit.emitted()).filter((e) => e.type === "bazaar.payment.succeeded");
    const [fromReplica] = await kit.database.db.all<{ n: number }>(
      sql`select count(*) as n from outbox where type = 'bazaar.payment.succeeded'`,
    );
    expect(succeeded).toHaveLength(40); // one outbox, one event per payment, whoever charged it
    expect(fromReplica?.n).toBe(40);
  });

  it("leaves a payment another replica is charging alone, and charges it once that claim ran out", async () => {
    await pendingPayments(1);
    const { processor, charges } = countingProcessor(0);
    const claimBy = (until: number) =>
      kit.database.write((tx) =>
        tx.update(payments).set({ chargingUntil: until }).where(eq(payments.orderId, 1)),
      );
    await claimBy(Date.now() + 60_000); // a replica killed while the processor had it
    const settler = settlerOn(kit, processor);
    expect(await settler.settle()).toBe(0);
    expect(charges.size).toBe(0);

    await claimBy(Date.now() - 1);
    expect(await settler.settle()).toBe(1);
    expect(charges.get(1)).toBe(1);
  });

  it("gives a payment back when its charge could not be recorded, so the next tick tries again", async () => {
    await pendingPayments(1);
    let fail = true;
    const settler = settlerOn(kit, {
      async charge() {
        if (fail) throw new Error("processor unreachable");
        return { ok: true };
      },
    });
    expect(await settler.settle()).toBe(1);
    const [row] = await kit.database.db.select().from(payments);
    expect(row).toMatchObject({ status: "pending", chargingUntil: null });
    fail = false;
    expect(await settler.settle()).toBe(1);
    expect((await kit.database.db.select().from(payments))[0]?.status).toBe("succeeded");
  });
});
