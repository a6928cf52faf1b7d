import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPayment, type TestPayment } from "../testing";

const ALICE = 1;
const BOB = 2;
let t: TestPayment;
let alice: string, bob: string, staff: string, admin: string;
let alicePaymentId: number;

beforeAll(async () => {
  t = await createTestPayment();
  [alice, bob, staff, admin] = await Promise.all([
    t.tokenFor("customer", ALICE),
    t.tokenFor("customer", BOB),
    t.tokenFor("staff", 50),
    t.tokenFor("admin", 99),
  ]);
  const request = (order_id: number, customer_id: number, amount_cents: number) =>
    t.deliver("bazaar.payment.requested", {
      order_id,
      customer_id,
      amount_cents,
      payment_method: "tok_visa",
    });
  await request(101, ALICE, 120_050);
  await request(102, ALICE, 2_500);
  await request(201, BOB, 8_000);
  await t.settler.settle();
  await t.deliver("bazaar.order.cancelled", {
    order_id: 102,
    customer_id: ALICE,
    reason: "cancelled by customer",
    previous_status: "confirmed",
  });
  alicePaymentId = (await json(await t.get("/api/payments/order/101", alice))).body.id;
});
afterAll(() => t.close());

/** An id nothing has, long enough that it appears nowhere else in an answer. */
const NO_SUCH_ID = 987_654;
/** The answer about NO_SUCH_ID as it would read about `id`: the answer a foreign record must give. */
const asFor = (body: unknown, id: number) =>
  JSON.parse(JSON.stringify(body).replaceAll(String(NO_SUCH_ID), String(id))) as unknown;

const json = async (response: Response) => ({
  status: response.status,
  body: (await response.json()) as any,
});

describe("GET /api/payments", () => {
  it("shows a customer only their own payments, newest first", async () => {
    const { status, body } = await json(await t.get("/api/payments", alice));
    expect(status).toBe(200);
    expect(body.payments.map((p: any) => p.order_id)).toEqual([102, 101]);
    expect(body).toMatchObject({ page: 1, limit: 20, total: 2 });
    expect((await json(await t.get("/api/payments", bob))).body.total).toBe(1);
  });

  it("shows an admin every payment and filters by status", async () => {
    expect((await json(await t.get("/api/payments", admin))).body.total).toBe(3);
    const refunded = await json(await t.get("/api/payments?status=refunded", admin));
    expect(refunded.body.payments.map((p: any) => p.order_id)).toEqual([102]);
  });

  it("refuses staff, anonymous callers and bad queries", async () => {
    expect((await t.get("/api/payments", staff)).status).toBe(403);
    expect((await t.get("/api/payments")).status).toBe(401);
    expect((await t.get("/api/payments", "not-a-token")).status).toBe(401);
    const bad = await json(await t.get("/api/payments?status=lost&limit=0", admin));
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain("status");
    expect(bad.body.detail).toContain("limit");
  });
});

describe("GET /api/payments/:id and /api/payments/order/:order_id", () => {
  it("shows the owner the payment with decimal amounts, snake_case fields and refunds", async () => {
    const byId = await json(await t.get(`/api/payments/${alicePaymentId}`, alice));
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual({
      id: alicePaymentId,
      order_id: 101,
      customer_id: ALICE,
      amount: 1200.5,
      currency: "USD",
      method: "tok_visa",
      status: "succeeded",
      failure_code: null,
      reason: null,
      refunds: [],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });

    const refunded = await json(await t.get("/api/payments/order/102", alice));
    expect(refunded.body).toMatchObject({ status: "refunded", amount: 25 });
    expect(refunded.body.refunds).toEqual([
      { id: expect.any(Number), amount: 25, reason: "cancelled by customer", created_at: expect.any(String) },
    ]);
  });

  it("answers another customer exactly as for a payment that does not exist; staff 403, an admin 200", async () => {
    for (const [id, path] of [
      [alicePaymentId, "/api/payments/"],
      [101, "/api/payments/order/"],
    ] as const) {
      const other = await json(await t.get(`${path}${id}`, bob));
      const missing = await json(await t.get(`${path}${NO_SUCH_ID}`, bob));
      expect(other).toEqual({ status: 404, body: asFor(missing.body, id) });
      expect(other.body.detail).toMatch(/ not found$/);
      expect((await t.get(`${path}${id}`, staff)).status).toBe(403);
      expect((await t.get(`${path}${id}`, admin)).status).toBe(200);
    }
  });

  it("answers 404 for a missing payment and 400 for a malformed id", async () => {
    const missing = await json(await t.get("/api/payments/9999", admin));
    expect(missing).toMatchObject({ status: 404, body: { detail: "payment 9999 not found" } });
    expect((await t.get("/api/payments/order/777", alice)).status).toBe(404);
    expect((await t.get("/api/payments/abc", alice)).status).toBe(400);
    expect((await t.get("/api/payments/order/-1", alice)).status).toBe(400);
  });
});
