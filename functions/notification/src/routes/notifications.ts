import { Hono } from "hono";
import * as notificationApi from "@bazaar/shared/api/notification";
import { assertOwnerOr, principalOf, requireRole, ROLES } from "@bazaar/shared/auth";
import { validate, type AppEnv } from "@bazaar/shared/http";
import type { NotificationDeps } from "../deps";
import { listNotifications, markAllRead, markRead } from "../domain/notifications";

const { customerListQuery, idParam, listQuery } = notificationApi;

/** A customer reads and marks their own messages; staff and admin read everyone's. */
export function notificationRoutes(deps: NotificationDeps): Hono<AppEnv> {
  const { database } = deps;

  return new Hono<AppEnv>()
    .use(requireRole(...ROLES))
    .get("/", validate("query", listQuery), async (c) => {
      const principal = principalOf(c);
      const { customer_id, ...filter } = c.req.valid("query");
      if (customer_id !== undefined) assertOwnerOr(principal, customer_id, "admin", "staff");
      // A customer without ?customer_id= sees their own list, never everyone's.
      const customerId = principal.role === "customer" ? principal.id : customer_id;
      return c.json(await listNotifications(database, { ...filter, customerId }));
    })
    .get("/customer/:id", validate("param", idParam), validate("query", customerListQuery), async (c) => {
      const { id } = c.req.valid("param");
      assertOwnerOr(principalOf(c), id, "admin", "staff");
      return c.json(await listNotifications(database, { ...c.req.valid("query"), customerId: id }));
    })
    .post("/read-all", async (c) => {
      const marked = await markAllRead(database, principalOf(c));
      return c.json({ message: "All notifications marked as read", marked });
    })
    .post("/:id/read", validate("param", idParam), async (c) => {
      // The notification itself is the answer: its own `message` field is the text, not a status line.
      return c.json(await markRead(database, principalOf(c), c.req.valid("param").id));
    });
}
