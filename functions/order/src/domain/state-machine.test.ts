import { describe, expect, it } from "vitest";
import { orderStatuses } from "../db/schema";
import { canMove, cancellable, isFinal } from "./state-machine";

describe("order state machine", () => {
  it("follows the saga forwards", () => {
    expect(canMove("pending", "awaiting_payment")).toBe(true);
    expect(canMove("awaiting_payment", "confirmed")).toBe(true);
    expect(canMove("confirmed", "shipped")).toBe(true);
    expect(canMove("shipped", "delivered")).toBe(true);
  });

  it("never moves backwards or out of a final state", () => {
    expect(canMove("confirmed", "awaiting_payment")).toBe(false);
    expect(canMove("awaiting_payment", "pending")).toBe(false);
    for (const to of orderStatuses) {
      expect(canMove("cancelled", to)).toBe(false);
      expect(canMove("rejected", to)).toBe(false);
      expect(canMove("delivered", to)).toBe(false);
    }
  });

  it("allows cancelling only before shipping", () => {
    expect(cancellable("pending")).toBe(true);
    expect(cancellable("awaiting_payment")).toBe(true);
    expect(cancellable("confirmed")).toBe(true);
    expect(cancellable("shipped")).toBe(false);
    expect(isFinal("cancelled")).toBe(true);
  });
});
