import { isClosedAccount } from "@bazaar/shared/auth";
import type { EventHandler } from "@bazaar/shared/events";
import type { NotificationSchema } from "../db";
import { notifications } from "../db/schema";
import { compose, type NotifiedType } from "../domain/messages";

/**
 * The handler of every type that becomes a message (domain/messages.ts says which and what it reads): files
 * one message for the event's customer, unless the account is gone (a late event: stale).
 */
export const notify =
  <T extends NotifiedType>(type: T): EventHandler<NotificationSchema, T> =>
  async (event, { tx }) => {
    const entry = compose(type, event.data);
    if (await isClosedAccount(tx, entry.customerId)) return "stale";
    await tx.insert(notifications).values({ ...entry, eventType: type, createdAt: new Date().toISOString() });
    return "applied";
  };
