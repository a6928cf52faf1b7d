import { describe, expect, it } from "vitest";
import type { Trigger } from "../triggers";
import { namesOf } from "./naming";
import { bindingArguments } from "./topology";

describe("namesOf", () => {
  it("names everything of a broker bazaar.<broker>..., a Trigger's queues after the Trigger", () => {
    const names = namesOf("default");
    expect(names).toMatchObject({
      exchange: "bazaar.default",
      deadLetterExchange: "bazaar.default.dlx",
      parked: "bazaar.default.dlx.parked",
    });
    expect(names.queue("inventory-order-placed")).toBe("bazaar.default.inventory-order-placed");
    expect(names.deadLetterQueue("inventory-order-placed")).toBe("bazaar.default.inventory-order-placed.dlq");
  });
});

describe("bindingArguments", () => {
  const trigger = (filter: Record<string, string>) => ({ name: "t", filter }) as Trigger;

  it("matches every filter attribute exactly (x-match: all) and names the Trigger", () => {
    expect(bindingArguments(trigger({ type: "bazaar.order.placed", source: "/bazaar/order" }))).toEqual({
      type: "bazaar.order.placed",
      source: "/bazaar/order",
      "x-match": "all",
      "x-knative-trigger": "t",
    });
  });

  it("matches every event when the Trigger has no filter", () => {
    expect(bindingArguments(trigger({}))).toEqual({ "x-match": "all", "x-knative-trigger": "t" });
  });
});
