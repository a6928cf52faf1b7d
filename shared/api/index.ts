/**
 * The public API's request schemas, one module per function. Each function validates its input with these
 * very objects, and the gateway turns the same objects into its OpenAPI document: the two cannot drift.
 * A function imports its own module (`@bazaar/shared/api/order`); only the gateway imports this index, which
 * builds every function's schemas (lint keeps it so).
 */
import * as customerApi from "./customer";
import * as deadLettersApi from "./dead-letters";
import * as inventoryApi from "./inventory";
import * as notificationApi from "./notification";
import type { OperationInputs } from "./operations";
import * as orderApi from "./order";
import * as paymentApi from "./payment";
import * as shippingApi from "./shipping";

export { customerApi, deadLettersApi, inventoryApi, notificationApi, orderApi, paymentApi, shippingApi };
export type { PlaceOrderBody } from "./order";
export type { OperationInput, OperationInputs, OperationKey } from "./operations";

/** Every public operation's input schemas, keyed "METHOD /path" as the gateway's routing table has it. */
export const operationInputs: OperationInputs = {
  ...customerApi.inputs,
  ...inventoryApi.inputs,
  ...orderApi.inputs,
  ...paymentApi.inputs,
  ...shippingApi.inputs,
  ...notificationApi.inputs,
  ...deadLettersApi.inputs,
};
