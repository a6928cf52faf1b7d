import { Hono } from "hono";
import type { Page } from "../../api-types";
import type { WebEnv } from "../../context";
import { render } from "../../render";
import { label } from "../../views/format";

/** The statuses worth a glance: orders waiting on the saga, orders to ship. */
const watched = ["pending", "awaiting_payment", "confirmed", "shipped", "cancelled"] as const;

export function adminOverviewRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>().get("/", async (c) => {
    const api = c.get("api");
    const counts = await Promise.all(
      watched.map(async (status) => {
        const answer = await api.get<Page>(`/api/orders?status=${status}&limit=1`);
        return [status, answer.ok ? answer.body.total : undefined] as const;
      }),
    );
    const waiting = await api.get<Page>("/api/dead-letters?replayed=false&limit=1");
    return render(
      c,
      { title: "Back office", area: "admin" },
      <>
        <ul class="grid" aria-label="Orders by status">
          {counts.map(([status, count]) => (
            <li class="card">
              <h2>{label(status)}</h2>
              <p class="price">{count ?? "—"}</p>
              <a href={`/admin/orders?status=${status}`}>See {label(status).toLowerCase()} orders</a>
            </li>
          ))}
          {waiting.ok && (
            <li class="card">
              <h2>Dead letters waiting</h2>
              <p class="price">{waiting.body.total}</p>
              <a href="/admin/dead-letters?replayed=false">Look at them and replay them</a>
            </li>
          )}
        </ul>
        <p>
          <a href="/admin/products">Products and stock</a> · <a href="/admin/orders">All orders</a> ·{" "}
          <a href="/admin/customers">Customers and roles</a>
        </p>
      </>,
    );
  });
}
