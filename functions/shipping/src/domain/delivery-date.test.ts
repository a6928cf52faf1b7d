import { describe, expect, it } from "vitest";
import { addBusinessDays } from "./delivery-date";

// January 2025: the 6th is a Monday, the 10th a Friday, the 11th and 12th a weekend.
const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe("addBusinessDays", () => {
  it.each([
    ["2025-01-06", 3, "2025-01-09"], // Monday + 3 = Thursday
    ["2025-01-08", 3, "2025-01-13"], // Wednesday + 3 skips the weekend to Monday
    ["2025-01-10", 1, "2025-01-13"], // Friday + 1 = Monday
    ["2025-01-10", 3, "2025-01-15"], // Friday + 3 = Wednesday
    ["2025-01-11", 1, "2025-01-13"], // Saturday + 1 = Monday
    ["2025-01-12", 3, "2025-01-15"], // Sunday + 3 = Wednesday
    ["2025-01-06", 10, "2025-01-20"], // two whole weeks
    ["2024-12-31", 3, "2025-01-03"], // across the year end
    ["2024-02-28", 1, "2024-02-29"], // a leap day is a Thursday like any other
    ["2025-01-06", 0, "2025-01-06"],
  ])("%s + %i business days = %s", (from, days, expected) => {
    expect(addBusinessDays(day(from), days)).toBe(expected);
  });

  it("counts from the UTC date, whatever the time of day", () => {
    expect(addBusinessDays(new Date("2025-01-10T23:59:59Z"), 1)).toBe("2025-01-13");
    expect(addBusinessDays(new Date("2025-01-10T00:00:00Z"), 1)).toBe("2025-01-13");
  });

  it("refuses a negative or fractional number of days", () => {
    expect(() => addBusinessDays(day("2025-01-06"), -1)).toThrow(RangeError);
    expect(() => addBusinessDays(day("2025-01-06"), 1.5)).toThrow(RangeError);
  });
});
