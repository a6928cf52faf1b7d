import { eq } from "drizzle-orm";
import { closeAccount, isClosedAccount, recordRoleChange } from "@bazaar/shared/auth";
import type { EventHandler, EventHandlers } from "@bazaar/shared/events";
import type { NotificationSchema } from "../db";
import { notifications } from "../db/schema";
import { compose, notifiedTypes, type NotifiedType } from "../domain/messages";

type S = NotificationSchema;

/** Files one message for the event's customer, unless the account is gone (a late event: stale). */
const notify =
  <T extends NotifiedType>(type: T): EventHandler<S, T> =>
  async (event, { tx }) => {
    const entry = compose(type, event.data);
    if (await isClosedAccount(tx, entry.customerId)) return "stale";
    await tx.insert(notifications).values({ ...entry, eventType: type, createdAt: new Date().toISOString() });
    return undefined;
  };

/**
 * customer.deleted: the customer's messages go, and the closed account keeps late events from bringing any
 * back (and refuses the customer's still-valid token).
 */
const forgetCustomer: EventHandler<S, "bazaar.customer.deleted"> = async (event, context) => {
  await context.tx.delete(notifications).where(eq(notifications.customerId, event.data.customer_id));
  return closeAccount(event, context);
};

/** The handlers for every type the notification Triggers deliver (see the saga contract). */
export const notificationHandlers = (): EventHandlers<S> => ({
  ...(Object.fromEntries(notifiedTypes.map((type) => [type, notify(type)])) as EventHandlers<S>),
  "bazaar.customer.deleted": forgetCustomer,
  "bazaar.customer.role_changed": recordRoleChange,
});
