import { randomInt } from "node:crypto";

export const carriers = ["UPS", "FedEx", "DHL"] as const;
export type Carrier = (typeof carriers)[number];

/** The same order always goes with the same carrier, so a retried scheduling cannot change it. */
export const carrierFor = (orderId: number): Carrier => carriers[orderId % carriers.length] ?? carriers[0];

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** `BZ` + 12 random uppercase letters or digits: 36^12 values, unguessable enough to share in a link. */
export function newTrackingNumber(): string {
  let suffix = "";
  for (let i = 0; i < 12; i += 1) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `BZ${suffix}`;
}
