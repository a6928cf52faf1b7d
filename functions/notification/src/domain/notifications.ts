import { and, count, desc, eq, isNotNull, isNull } from "drizzle-orm";
import type { Database } from "@bazaar/shared/db";
import { Forbidden, NotFound } from "@bazaar/shared/errors";
import type { Principal } from "@bazaar/shared/http";
import type { NotificationSchema } from "../db";
import { notifications } from "../db/schema";

export type Notification = typeof notifications.$inferSelect;
type NotificationDb = Database<NotificationSchema>;

/** What the API shows of a notification (snake_case, as the rest of the API). */
export const notificationView = (n: Notification) => ({
  id: n.id,
  customer_id: n.customerId,
  event_type: n.eventType,
  order_id: n.orderId,
  title: n.title,
  message: n.message,
  read: n.readAt !== null,
  read_at: n.readAt,
  created_at: n.createdAt,
});

export interface ListFilter {
  /** Unset: every customer's (staff and admin only). */
  customerId?: number | undefined;
  unread?: boolean | undefined;
  limit: number;
  page: number;
}

/** Newest first, with the total for the filter and the unread count a badge shows. */
export async function listNotifications(database: NotificationDb, filter: ListFilter) {
  const { db } = database;
  const owner = filter.customerId === undefined ? undefined : eq(notifications.customerId, filter.customerId);
  const unreadOnly = isNull(notifications.readAt);
  const readState =
    filter.unread === undefined ? undefined : filter.unread ? unreadOnly : isNotNull(notifications.readAt);
  const where = and(owner, readState);

  const rows = await db
    .select()
    .from(notifications)
    .where(where)
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(filter.limit)
    .offset((filter.page - 1) * filter.limit);
  const [total] = await db.select({ n: count() }).from(notifications).where(where);
  const [unread] = await db.select({ n: count() }).from(notifications).where(and(owner, unreadOnly));
  return {
    notifications: rows.map(notificationView),
    page: filter.page,
    limit: filter.limit,
    total: total?.n ?? 0,
    unread_count: unread?.n ?? 0,
  };
}

/** Read status is the reader's own: only the customer a message is for marks it. Marking twice keeps the first time. */
export async function markRead(database: NotificationDb, principal: Principal, id: number) {
  return database.write(async (tx) => {
    const [row] = await tx.select().from(notifications).where(eq(notifications.id, id));
    if (!row) throw new NotFound(`notification ${id} not found`);
    if (row.customerId !== principal.id) throw new Forbidden("this notification belongs to another customer");
    if (row.readAt !== null) return notificationView(row);
    const [updated] = await tx
      .update(notifications)
      .set({ readAt: new Date().toISOString() })
      .where(eq(notifications.id, id))
      .returning();
    return notificationView(updated ?? row);
  });
}

/** Marks every unread message of the caller as read; returns how many changed. */
export async function markAllRead(database: NotificationDb, principal: Principal): Promise<number> {
  const changed = await database.write((tx) =>
    tx
      .update(notifications)
      .set({ readAt: new Date().toISOString() })
      .where(and(eq(notifications.customerId, principal.id), isNull(notifications.readAt)))
      .returning({ id: notifications.id }),
  );
  return changed.length;
}
