import { closeAccount } from "@bazaar/shared/auth";
import type { EventHandlers } from "@bazaar/shared/events";
import type { DeadLettersSchema } from "../db";

/** The one catalog event dead-letters consumes: a deleted admin's token must stop working here at once. */
export const accountEventHandlers: EventHandlers<DeadLettersSchema> = {
  "bazaar.customer.deleted": closeAccount,
};
