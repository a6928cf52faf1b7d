import { describe, expect, it } from "vitest";
import { shippingApi } from "@bazaar/shared/api";
import { carrierFor, carriers, newTrackingNumber } from "./labels";

const { TRACKING_NUMBER } = shippingApi;

describe("carrierFor", () => {
  it("always gives the same order the same carrier and spreads orders over all carriers", () => {
    expect(carrierFor(42)).toBe(carrierFor(42));
    expect(new Set([1, 2, 3, 4, 5, 6].map(carrierFor))).toEqual(new Set(carriers));
  });
});

describe("newTrackingNumber", () => {
  it("is BZ and 12 uppercase letters or digits, different every time", () => {
    const numbers = Array.from({ length: 200 }, newTrackingNumber);
    for (const n of numbers) expect(n).toMatch(TRACKING_NUMBER);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(TRACKING_NUMBER.test("BZ0123456789AB")).toBe(true);
    expect(TRACKING_NUMBER.test("bz0123456789ab")).toBe(false);
  });
});
