import { closeAccount, recordRoleChange } from "@bazaar/shared/auth";
import type { EventHandlers } from "@bazaar/shared/events";
import type { DeadLettersSchema } from "../db";

/** The account events dead-letters consumes: a deleted or demoted account's token stops working here at once. */
export const accountEventHandlers: EventHandlers<DeadLettersSchema> = {
  "bazaar.customer.deleted": closeAccount,
  "bazaar.customer.role_changed": recordRoleChange,
};
