import { describe, expect, it } from "vitest";
import {
  customerApi,
  deadLettersApi,
  inventoryApi,
  notificationApi,
  operationInputs,
  orderApi,
  paymentApi,
  shippingApi,
} from "./index";

describe("operationInputs", () => {
  it("holds every function's operations, none overwritten by another's", () => {
    const perFunction = [
      customerApi,
      inventoryApi,
      orderApi,
      paymentApi,
      shippingApi,
      notificationApi,
      deadLettersApi,
    ]
      .map((api) => Object.keys(api.inputs).length)
      .reduce((sum, n) => sum + n, 0);
    expect(Object.keys(operationInputs)).toHaveLength(perFunction);
  });
});
