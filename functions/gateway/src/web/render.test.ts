import { describe, expect, it } from "vitest";
import { safeNext } from "./render";

describe("safeNext", () => {
  it.each(["/shop", "/shop/cart", "/admin/orders?status=confirmed", "/shop?q=lap"])("keeps %s", (path) => {
    expect(safeNext(path, "/x")).toBe(path);
  });
  it.each([
    "//evil.example",
    "https://evil.example/shop",
    "/shop//evil",
    "/shop\\evil",
    "/api/orders",
    "shop",
    7,
  ])("refuses %s", (value) => {
    expect(safeNext(value, "/shop")).toBe("/shop");
  });
});
