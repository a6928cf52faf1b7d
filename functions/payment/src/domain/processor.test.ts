import { describe, expect, it } from "vitest";
import { createSimulatedProcessor } from "./processor";

const processor = createSimulatedProcessor({ slowMs: 80, limitCents: 10_000 });
const charge = (method: string, amountCents = 1_000) => processor.charge({ orderId: 1, amountCents, method });

describe("simulated processor", () => {
  it("approves the good test cards", async () => {
    expect(await charge("tok_visa")).toEqual({ ok: true });
    expect(await charge("tok_mastercard")).toEqual({ ok: true });
  });

  it("declines with the code of each failing test card and a readable reason", async () => {
    expect(await charge("tok_chargeDeclined")).toEqual({
      ok: false,
      code: "card_declined",
      reason: "The card was declined by its issuer.",
    });
    expect(await charge("tok_insufficientFunds")).toMatchObject({ ok: false, code: "insufficient_funds" });
  });

  it("refuses a token it does not know, naming it", async () => {
    const outcome = await charge("4242424242424242");
    expect(outcome).toMatchObject({ ok: false, code: "invalid_payment_method" });
    expect(outcome.ok || outcome.reason).toContain('"4242424242424242"');
    expect(await charge("TOK_VISA")).toMatchObject({ code: "invalid_payment_method" });
    expect(await charge("toString")).toMatchObject({ code: "invalid_payment_method" });
  });

  it("declines an amount above the limit and accepts one exactly at it", async () => {
    const over = await charge("tok_visa", 10_001);
    expect(over).toEqual({
      ok: false,
      code: "amount_limit_exceeded",
      reason: "The amount $100.01 is above the limit of $100.00 per payment.",
    });
    expect(await charge("tok_visa", 10_000)).toEqual({ ok: true });
  });

  it("approves tok_slow only after the configured delay", async () => {
    const started = performance.now();
    expect(await charge("tok_slow")).toEqual({ ok: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });
});
