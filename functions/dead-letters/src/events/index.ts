import { closeAccount, recordRoleChange } from "@bazaar/shared/auth";
import type { EventHandlers } from "@bazaar/shared/events";
import type { DeadLettersSchema } from "../db";

/**
 * The events this function subscribes to (one Trigger each, at /accounts/events: its /events is the
 * dead-letter intake): only account events, so a deleted or demoted account's token stops working here.
 */
export const deadLettersEventHandlers = (): EventHandlers<DeadLettersSchema> => ({
  "bazaar.customer.deleted": closeAccount,
  "bazaar.customer.role_changed": recordRoleChange,
});
