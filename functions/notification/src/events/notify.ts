import { sql } from "drizzle-orm";
import { closedAccounts } from "@bazaar/shared/auth";
import type { EventHandler } from "@bazaar/shared/events";
import type { NotificationSchema } from "../db";
import { notifications } from "../db/schema";
import { compose, type NotifiedType } from "../domain/messages";

/**
 * The handler of every type that becomes a message (domain/messages.ts says which and what it reads): files
 * one message for the event's customer, unless the account is gone (a late event: stale). The check and the
 * filing are one statement, written as SQL: every notified event runs it, and drizzle's builders spent three
 * times its CPU building the same two statements each time (2026-12-03).
 */
export const notify =
  <T extends NotifiedType>(type: T): EventHandler<NotificationSchema, T> =>
  async (event, { tx }) => {
    const { customerId, orderId, title, message } = compose(type, event.data);
    const filed = await tx.run(sql`
      insert into ${notifications} (customer_id, event_type, order_id, title, message, created_at)
      select ${customerId}, ${type}, ${orderId}, ${title}, ${message}, ${new Date().toISOString()}
      where not exists (select 1 from ${closedAccounts} where customer_id = ${customerId})`);
    return filed.rowsAffected > 0 ? "applied" : "stale";
  };
