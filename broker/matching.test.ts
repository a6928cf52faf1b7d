import { describe, expect, it } from "vitest";
import { matches } from "./matching";

const event = {
  specversion: "1.0",
  id: "e-1",
  type: "bazaar.order.placed",
  source: "/bazaar/order",
  tenant: "acme",
};

describe("matches", () => {
  it("lets everything through an empty filter", () => {
    expect(matches({}, event)).toBe(true);
  });

  it("matches the exact type only", () => {
    expect(matches({ type: "bazaar.order.placed" }, event)).toBe(true);
    expect(matches({ type: "bazaar.order" }, event)).toBe(false);
    expect(matches({ type: "bazaar.order.placed.v2" }, event)).toBe(false);
    expect(matches({ type: "BAZAAR.ORDER.PLACED" }, event)).toBe(false);
  });

  it("requires every attribute to match (AND), extensions included", () => {
    expect(matches({ type: "bazaar.order.placed", tenant: "acme" }, event)).toBe(true);
    expect(matches({ type: "bazaar.order.placed", tenant: "other" }, event)).toBe(false);
    expect(matches({ type: "bazaar.order.placed", source: "/bazaar/order" }, event)).toBe(true);
  });

  it("does not match on an attribute the event lacks", () => {
    expect(matches({ region: "eu" }, event)).toBe(false);
  });
});
