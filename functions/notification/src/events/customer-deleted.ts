import { eq } from "drizzle-orm";
import { closeAccount } from "@bazaar/shared/auth";
import type { EventHandler } from "@bazaar/shared/events";
import type { NotificationSchema } from "../db";
import { notifications } from "../db/schema";

/**
 * The customer's messages go, and the closed account keeps late events from bringing any back (and refuses
 * the customer's still-valid token).
 */
export const onCustomerDeleted: EventHandler<NotificationSchema, "bazaar.customer.deleted"> = async (
  event,
  context,
) => {
  await context.tx.delete(notifications).where(eq(notifications.customerId, event.data.customer_id));
  return closeAccount(event, context);
};
