import { Hono } from "hono";
import { detailOf } from "../api";
import type { Notification, Page, Shipment } from "../api-types";
import type { WebEnv } from "../context";
import { pageOf } from "../forms";
import { redirectWith, render } from "../render";
import { Csrf } from "../views/layout";
import { ShipmentFacts } from "../views/order";
import { Badge, Pager, Time } from "../views/parts";

const TRACKING = /^BZ[0-9A-Z]{12}$/;

/** What the shop told the customer (order placed, paid, shipped...), and tracking by number. */
export function notificationRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get("/notifications", async (c) => {
      const page = pageOf(c);
      const list = await c
        .get("api")
        .must<Page & { notifications: Notification[]; unread_count: number }>(
          "GET",
          `/api/notifications?limit=20&page=${page}`,
        );
      const csrf = c.get("session").csrf;
      return render(
        c,
        { title: "Notifications", area: "shop" },
        <>
          <p>
            {list.unread_count} unread of {list.total}.
          </p>
          {list.unread_count > 0 && (
            <form method="post" action="/shop/notifications/read-all">
              <Csrf token={csrf} />
              <button type="submit" class="secondary">
                Mark all as read
              </button>
            </form>
          )}
          <ul class="grid" aria-label="Notifications">
            {list.notifications.map((note) => (
              <li class="card">
                <h2>
                  {note.title} {!note.read && <span class="badge wait">new</span>}
                </h2>
                <p>{note.message}</p>
                <p class="muted">
                  <Time at={note.created_at} />
                  {note.order_id !== null && (
                    <>
                      {" "}
                      · <a href={`/shop/orders/${note.order_id}`}>Order #{note.order_id}</a>
                    </>
                  )}
                </p>
                {!note.read && (
                  <form method="post" action={`/shop/notifications/${note.id}/read`}>
                    <Csrf token={csrf} />
                    <button type="submit" class="secondary" aria-label={`Mark “${note.title}” as read`}>
                      Mark as read
                    </button>
                  </form>
                )}
              </li>
            ))}
          </ul>
          <Pager page={page} limit={20} total={list.total} href={(to) => `/shop/notifications?page=${to}`} />
        </>,
      );
    })
    .post("/notifications/read-all", async (c) => {
      const answer = await c.get("api").send("POST", "/api/notifications/read-all");
      return redirectWith(
        c,
        "/shop/notifications",
        answer.ok ? { ok: "All marked as read." } : { error: detailOf(answer) },
      );
    })
    .post("/notifications/:id{[0-9]+}/read", async (c) => {
      const answer = await c.get("api").send("POST", `/api/notifications/${c.req.param("id")}/read`);
      return redirectWith(
        c,
        "/shop/notifications",
        answer.ok ? { ok: "Marked as read." } : { error: detailOf(answer) },
      );
    })
    .get("/track", async (c) => {
      const number = (c.req.query("number") ?? "").trim().toUpperCase();
      let found: Shipment | undefined;
      let problem: string | undefined;
      if (number) {
        if (!TRACKING.test(number)) problem = "A tracking number is BZ followed by 12 letters or digits.";
        else {
          const answer = await c.get("api").get<Shipment>(`/api/shipments/track/${number}`);
          if (answer.ok) found = answer.body;
          else problem = answer.status === 404 ? `No shipment ${number} of yours.` : detailOf(answer);
        }
      }
      return render(
        c,
        { title: "Track a shipment", area: "shop" },
        <>
          <form method="get" action="/shop/track" class="inline panel">
            <div class="field">
              <label for="number">Tracking number</label>
              <input id="number" name="number" value={number} pattern="[Bb][Zz][0-9A-Za-z]{12}" required />
            </div>
            <button type="submit">Track</button>
          </form>
          {problem && (
            <p class="flash error" role="alert">
              {problem}
            </p>
          )}
          {found && (
            <section class="panel" aria-labelledby="shipment-heading">
              <h2 id="shipment-heading">
                Shipment {found.tracking_number} <Badge status={found.status} />
              </h2>
              <ShipmentFacts shipment={found} />
              <p>
                <a href={`/shop/orders/${found.order_id}`}>Order #{found.order_id}</a>
              </p>
            </section>
          )}
        </>,
      );
    });
}
