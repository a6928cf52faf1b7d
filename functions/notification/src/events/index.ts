import { recordRoleChange } from "@bazaar/shared/auth";
import type { EventHandlers } from "@bazaar/shared/events";
import type { NotificationSchema } from "../db";
import { notifiedTypes } from "../domain/messages";
import { onCustomerDeleted } from "./customer-deleted";
import { notify } from "./notify";

/** The events this function subscribes to (one Trigger each; see the saga contract). */
export const notificationEventHandlers = (): EventHandlers<NotificationSchema> => ({
  ...(Object.fromEntries(
    notifiedTypes.map((type) => [type, notify(type)]),
  ) as EventHandlers<NotificationSchema>),
  "bazaar.customer.deleted": onCustomerDeleted,
  "bazaar.customer.role_changed": recordRoleChange,
});
