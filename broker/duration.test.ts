import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration";

describe("parseDuration", () => {
  it.each([
    ["PT0.2S", 200],
    ["PT0.05S", 50],
    ["PT30S", 30_000],
    ["PT1M30S", 90_000],
    ["PT2H", 7_200_000],
    ["P1D", 86_400_000],
    ["P1W", 604_800_000],
    ["P1DT1S", 86_401_000],
    ["PT0S", 0],
  ])("reads %s as %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "P", "PT", "P1DT", "0.2S", "PT-1S", "P1Y", "P1M", "pt1s", "PT1S ", "PT1.S"])(
    "refuses %j",
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});
