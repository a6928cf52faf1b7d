import { Hono, type Context } from "hono";
import { ApiError, detailOf, RenewalNeeded, type WebApi } from "../api";
import type { Order, Page, Shipment } from "../api-types";
import type { WebEnv } from "../context";
import { pageOf } from "../forms";
import { redirectWith, render } from "../render";
import { liveState, OrderItems, OrderRow, OrderStatus, OrderTimeline, ShipmentFacts } from "../views/order";
import { Pager, Table } from "../views/parts";

/** The order's shipment, if it has one yet. */
export async function shipmentOf(api: WebApi, order: Order): Promise<Shipment | undefined> {
  if (order.shipping_status === "not_scheduled") return undefined;
  const answer = await api.get<Shipment>(`/api/shipments/order/${order.id}`);
  if (answer.status === 404) return undefined;
  if (!answer.ok) throw new ApiError(answer.status, detailOf(answer));
  return answer.body;
}

/**
 * The order's status for the live status script (shop and back office alike). It never renews the token: when
 * that is due it answers 401 and the script reloads the page, whose load renews it.
 */
export async function liveAnswer(c: Context<WebEnv>): Promise<Response> {
  c.header("cache-control", "no-store");
  const api = c.get("api").withoutRenewal();
  try {
    const order = await api.must<Order>("GET", `/api/orders/${c.req.param("id")}`);
    return c.json(liveState(order, await shipmentOf(api, order)));
  } catch (error) {
    if (error instanceof RenewalNeeded) return c.json({ reload: true }, 401);
    throw error;
  }
}

const orderOf = (c: Context<WebEnv>): Promise<Order> =>
  c.get("api").must<Order>("GET", `/api/orders/${c.req.param("id")}`);

/** A customer's orders, each with its live status, timeline, shipment and (while allowed) a cancel button. */
export function orderRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get("/orders", async (c) => {
      const page = pageOf(c);
      const list = await c
        .get("api")
        .must<Page & { orders: Order[] }>("GET", `/api/orders?limit=20&page=${page}`);
      return render(
        c,
        { title: "My orders", area: "shop" },
        list.orders.length === 0 ? (
          <p>
            No orders yet. <a href="/shop">Browse the catalog</a>.
          </p>
        ) : (
          <>
            <Table
              caption="Your orders, newest first"
              head={["Order", "Placed", "Items", "Total", "Status"]}
              numeric={[3]}
            >
              {list.orders.map((order) => (
                <OrderRow order={order} href={`/shop/orders/${order.id}`} />
              ))}
            </Table>
            <Pager page={page} limit={20} total={list.total} href={(to) => `/shop/orders?page=${to}`} />
          </>
        ),
      );
    })
    .get("/orders/:id{[0-9]+}", async (c) => {
      const order = await orderOf(c);
      const shipment = await shipmentOf(c.get("api"), order);
      return render(
        c,
        { title: `Order #${order.id}`, area: "shop" },
        <>
          <OrderStatus
            order={order}
            liveUrl={`/shop/orders/${order.id}/live`}
            cancelAction={`/shop/orders/${order.id}/cancel`}
            csrf={c.get("session").csrf}
          />
          <div class="columns">
            <OrderTimeline order={order} />
            <section class="panel" aria-labelledby="shipment-heading">
              <h2 id="shipment-heading">Shipment</h2>
              <ShipmentFacts shipment={shipment} />
            </section>
          </div>
          <OrderItems order={order} />
        </>,
      );
    })
    .get("/orders/:id{[0-9]+}/live", liveAnswer)
    .post("/orders/:id{[0-9]+}/cancel", async (c) => {
      const id = c.req.param("id");
      const answer = await c.get("api").send("POST", `/api/orders/${id}/cancel`);
      return answer.ok
        ? redirectWith(c, `/shop/orders/${id}`, {
            ok: "Order cancelled: the stock is released and any payment refunded.",
          })
        : redirectWith(c, `/shop/orders/${id}`, { error: detailOf(answer) });
    });
}
