import { eq } from "drizzle-orm";
import type { Tx } from "@bazaar/shared/db";
import type { EventHandler, EventHandlers } from "@bazaar/shared/events";
import type { NotificationSchema } from "../db";
import { deletedCustomers, notifications } from "../db/schema";
import { compose, notifiedTypes, type NotifiedType } from "../domain/messages";

type S = NotificationSchema;

const isDeleted = async (tx: Tx<S>, customerId: number): Promise<boolean> =>
  (
    await tx
      .select({ id: deletedCustomers.customerId })
      .from(deletedCustomers)
      .where(eq(deletedCustomers.customerId, customerId))
      .limit(1)
  ).length > 0;

/** Files one message for the event's customer, unless the account is gone (a late event: stale). */
const notify =
  <T extends NotifiedType>(type: T): EventHandler<S, T> =>
  async (event, { tx }) => {
    const entry = compose(type, event.data);
    if (await isDeleted(tx, entry.customerId)) return "stale";
    await tx.insert(notifications).values({ ...entry, eventType: type, createdAt: new Date().toISOString() });
    return undefined;
  };

/** customer.deleted: the customer's messages go, and a tombstone keeps late events from bringing any back. */
const forgetCustomer: EventHandler<S, "bazaar.customer.deleted"> = async (event, { tx }) => {
  const customerId = event.data.customer_id;
  await tx.delete(notifications).where(eq(notifications.customerId, customerId));
  await tx
    .insert(deletedCustomers)
    .values({ customerId, deletedAt: new Date().toISOString() })
    .onConflictDoNothing();
  return undefined;
};

/** The handlers for every type the notification Triggers deliver (see the saga contract). */
export const notificationHandlers = (): EventHandlers<S> => ({
  ...(Object.fromEntries(notifiedTypes.map((type) => [type, notify(type)])) as EventHandlers<S>),
  "bazaar.customer.deleted": forgetCustomer,
});
