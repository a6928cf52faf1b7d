import { Hono } from "hono";
import * as z from "zod";
import { orderApi } from "@bazaar/shared/api";
import { detailOf } from "../../api";
import type { Order, Page, Payment } from "../../api-types";
import type { WebEnv } from "../../context";
import { formId, pageOf, readForm } from "../../forms";
import { redirectWith, render } from "../../render";
import { label, money } from "../../views/format";
import { Csrf } from "../../views/layout";
import { OrderItems, OrderRow, OrderStatus, OrderTimeline, ShipmentFacts } from "../../views/order";
import { Badge, Pager, StatusField, Table, Time } from "../../views/parts";
import { liveAnswer, shipmentOf } from "../orders";

const PER_PAGE = 25;
const statuses = orderApi.orderStatuses;
const shipmentForm = z.object({ order_id: formId, status: z.enum(["dispatched", "delivered"]) });

/** The next step staff may take with a shipment (the shipping function moves it one way only). */
const nextShipmentStep: Record<string, "dispatched" | "delivered" | undefined> = {
  scheduled: "dispatched",
  dispatched: "delivered",
};

/** Orders with filters, and each order's timeline, payment, shipment and the actions the API allows. */
export function adminOrderRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get("/orders", async (c) => {
      const page = pageOf(c);
      const status = statuses.find((s) => s === c.req.query("status"));
      const customer = Number(c.req.query("customer_id"));
      const customerId = Number.isInteger(customer) && customer > 0 ? customer : undefined;
      const filters = { ...(status && { status }), ...(customerId && { customer_id: String(customerId) }) };
      const query = new URLSearchParams({ ...filters, limit: String(PER_PAGE), page: String(page) });
      const list = await c.get("api").must<Page & { orders: Order[] }>("GET", `/api/orders?${query}`);
      return render(
        c,
        { title: "Orders", area: "admin" },
        <>
          <form method="get" action="/admin/orders" class="inline panel" aria-label="Filter orders">
            <StatusField statuses={statuses} selected={status} />
            <div class="field">
              <label for="customer_id">Customer id</label>
              <input
                id="customer_id"
                name="customer_id"
                type="number"
                min={1}
                value={customerId ? String(customerId) : ""}
              />
            </div>
            <button type="submit">Filter</button>
          </form>
          <Table
            caption={`${list.total} order${list.total === 1 ? "" : "s"}, newest first`}
            head={["Order", "Customer", "Placed", "Items", "Total", "Status", "Payment", "Shipping"]}
            numeric={[4]}
          >
            {list.orders.map((order) => (
              <OrderRow
                order={order}
                href={`/admin/orders/${order.id}`}
                customer={`/admin/orders?customer_id=${order.customer_id}`}
              >
                <td>{label(order.payment_status)}</td>
                <td>{label(order.shipping_status)}</td>
              </OrderRow>
            ))}
          </Table>
          <Pager
            page={page}
            limit={PER_PAGE}
            total={list.total}
            href={(to) => `/admin/orders?${new URLSearchParams({ ...filters, page: String(to) })}`}
          />
        </>,
      );
    })
    .get("/orders/:id{[0-9]+}", async (c) => {
      const api = c.get("api");
      const session = c.get("session");
      const isAdmin = session.user?.role === "admin";
      const order = await api.must<Order>("GET", `/api/orders/${c.req.param("id")}`);
      const shipment = await shipmentOf(api, order);
      // Payments are the owner's and admins' to read (the API's rule); staff see the order's payment status.
      const payment = isAdmin ? await api.get<Payment>(`/api/payments/order/${order.id}`) : undefined;
      const step = shipment ? nextShipmentStep[shipment.status] : undefined;
      const captured = order.payment_status === "captured";
      return render(
        c,
        { title: `Order #${order.id}`, area: "admin" },
        <>
          <OrderStatus
            order={order}
            liveUrl={`/admin/orders/${order.id}/live`}
            cancelAction={`/admin/orders/${order.id}/cancel`}
            cancelLabel={captured ? "Cancel and refund" : "Cancel order"}
            csrf={session.csrf}
          />
          <p>
            Customer <a href={`/admin/orders?customer_id=${order.customer_id}`}>#{order.customer_id}</a>,
            placed <Time at={order.created_at} />, card <code>{order.payment_method}</code>.
          </p>
          <div class="columns">
            <OrderTimeline order={order} />
            <section class="panel" aria-labelledby="shipment-heading">
              <h2 id="shipment-heading">Shipment</h2>
              <ShipmentFacts shipment={shipment} />
              {shipment && step && (
                <form method="post" action={`/admin/shipments/${shipment.id}/status`} data-once>
                  <Csrf token={session.csrf} />
                  <input type="hidden" name="order_id" value={String(order.id)} />
                  <input type="hidden" name="status" value={step} />
                  <button type="submit">
                    {step === "dispatched" ? "Mark dispatched" : "Mark delivered"}
                  </button>
                </form>
              )}
            </section>
          </div>
          <OrderItems order={order} />
          {payment?.ok && (
            <section class="panel" aria-labelledby="payment-heading">
              <h2 id="payment-heading">Payment</h2>
              <dl class="facts">
                <dt>Amount</dt>
                <dd>{money(payment.body.amount)}</dd>
                <dt>Status</dt>
                <dd>
                  <Badge status={payment.body.status} />
                </dd>
                <dt>Card</dt>
                <dd>{payment.body.method}</dd>
                {payment.body.failure_code && (
                  <>
                    <dt>Declined</dt>
                    <dd>{payment.body.failure_code}</dd>
                  </>
                )}
                {payment.body.refunds.map((refund) => (
                  <>
                    <dt>Refunded</dt>
                    <dd>
                      {money(refund.amount)} <Time at={refund.created_at} /> {refund.reason ?? ""}
                    </dd>
                  </>
                ))}
              </dl>
            </section>
          )}
        </>,
      );
    })
    .get("/orders/:id{[0-9]+}/live", liveAnswer)
    .post("/orders/:id{[0-9]+}/cancel", async (c) => {
      const id = c.req.param("id");
      const api = c.get("api");
      const who = c.get("session").user?.role;
      // An admin cancels as the owner may; staff through the status (both compensate: release, refund).
      const answer =
        who === "admin"
          ? await api.send("POST", `/api/orders/${id}/cancel`, {
              body: { reason: "cancelled in the back office" },
            })
          : await api.send("PUT", `/api/orders/${id}/status`, {
              body: { status: "cancelled", reason: "cancelled in the back office" },
            });
      return redirectWith(
        c,
        `/admin/orders/${id}`,
        answer.ok
          ? { ok: "Order cancelled: stock released, payment refunded if it was taken." }
          : { error: detailOf(answer) },
      );
    })
    .post("/shipments/:id{[0-9]+}/status", async (c) => {
      const form = await readForm(c, shipmentForm);
      if (form.error !== undefined) return redirectWith(c, "/admin/orders", { error: form.error });
      const { order_id, status } = form.data;
      const answer = await c
        .get("api")
        .send("PATCH", `/api/shipments/${c.req.param("id")}/status`, { body: { status } });
      return redirectWith(
        c,
        `/admin/orders/${order_id}`,
        answer.ok ? { ok: `Shipment ${status}.` } : { error: detailOf(answer) },
      );
    });
}
