import { describe, expect, it } from "vitest";
import { formatUsd, toCents, toDecimal } from "./index";

describe("money", () => {
  it("converts between cents and the API's decimal dollars without float drift", () => {
    expect(toDecimal(120050)).toBe(1200.5);
    expect(toCents(0.29)).toBe(29);
    expect(toCents(1200.5)).toBe(120050);
  });

  it("formats cents for people", () => {
    expect(formatUsd(125000)).toBe("$1,250.00");
    expect(formatUsd(5)).toBe("$0.05");
  });
});
