import { describe, expect, it } from "vitest";
import { Conflict } from "@bazaar/shared/errors";
import { assertTransition, canCancel } from "./transitions";

const shipment = (status: "scheduled" | "dispatched" | "delivered" | "cancelled") => ({ id: 5, status });

describe("shipment transitions", () => {
  it("allows scheduled -> dispatched -> delivered", () => {
    expect(() => assertTransition(shipment("scheduled"), "dispatched")).not.toThrow();
    expect(() => assertTransition(shipment("dispatched"), "delivered")).not.toThrow();
  });

  it.each([
    ["scheduled", "delivered", "shipment 5 is scheduled: it can become dispatched, not delivered"],
    ["dispatched", "dispatched", "shipment 5 is already dispatched"],
    ["delivered", "dispatched", "shipment 5 is delivered: its status can no longer change"],
    ["cancelled", "dispatched", "shipment 5 is cancelled: its status can no longer change"],
  ] as const)("refuses %s -> %s with a Conflict that explains", (from, to, detail) => {
    expect(() => assertTransition(shipment(from), to)).toThrow(new Conflict(detail));
    expect(() => assertTransition(shipment(from), to)).toThrow(Conflict);
  });

  it("lets only a scheduled shipment be cancelled", () => {
    expect(canCancel("scheduled")).toBe(true);
    expect(canCancel("dispatched")).toBe(false);
    expect(canCancel("delivered")).toBe(false);
    expect(canCancel("cancelled")).toBe(false);
  });
});
