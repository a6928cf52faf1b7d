import { setTimeout as sleep } from "node:timers/promises";
import { formatUsd } from "@bazaar/shared/money";

/**
 * A simulated card processor. Payment methods are test tokens in the style of card test numbers, so every
 * outcome of a real processor can be produced on purpose.
 */
export type FailureCode =
  "card_declined" | "insufficient_funds" | "invalid_payment_method" | "amount_limit_exceeded";

export type ChargeOutcome = { ok: true } | { ok: false; code: FailureCode; reason: string };

export interface ChargeRequest {
  orderId: number;
  amountCents: number;
  method: string;
}

export interface Processor {
  charge(request: ChargeRequest): Promise<ChargeOutcome>;
}

export interface ProcessorSettings {
  /** How long `tok_slow` takes before it is approved. */
  slowMs: number;
  /** Charges above this many cents are declined. */
  limitCents: number;
}

type TokenBehaviour = "approve" | "approve_slowly" | "decline" | "insufficient_funds";

export const testTokens: Readonly<Record<string, TokenBehaviour>> = {
  tok_visa: "approve",
  tok_mastercard: "approve",
  tok_slow: "approve_slowly",
  tok_chargeDeclined: "decline",
  tok_insufficientFunds: "insufficient_funds",
};

const dollars = formatUsd;

const declined = (code: FailureCode, reason: string): ChargeOutcome => ({ ok: false, code, reason });

export function createSimulatedProcessor(settings: ProcessorSettings): Processor {
  return {
    async charge({ amountCents, method }) {
      const behaviour = Object.hasOwn(testTokens, method) ? testTokens[method] : undefined;
      if (!behaviour)
        return declined(
          "invalid_payment_method",
          `The payment method "${method}" is not a card the processor accepts.`,
        );
      if (amountCents > settings.limitCents)
        return declined(
          "amount_limit_exceeded",
          `The amount ${dollars(amountCents)} is above the limit of ${dollars(settings.limitCents)} per payment.`,
        );
      switch (behaviour) {
        case "decline":
          return declined("card_declined", "The card was declined by its issuer.");
        case "insufficient_funds":
          return declined("insufficient_funds", "The card has insufficient funds for this payment.");
        case "approve_slowly":
          await sleep(settings.slowMs);
          return { ok: true };
        case "approve":
          return { ok: true };
      }
    },
  };
}
