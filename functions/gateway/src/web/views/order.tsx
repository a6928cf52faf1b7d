import type { Child, FC } from "hono/jsx";
import type { Order, Shipment } from "../api-types";
import { CANCELLABLE_ORDER_STATES, FINAL_ORDER_STATES, label, money, tone, when } from "./format";
import { Csrf } from "./layout";
import { Badge, Table, Time, Timeline } from "./parts";

/** What the live status script receives: the same facts the page shows, already worded. */
export const liveState = (order: Order, shipment: Shipment | undefined) => ({
  status: order.status,
  status_label: label(order.status),
  tone: tone(order.status),
  payment_status: label(order.payment_status),
  shipping_status: label(order.shipping_status),
  tracking_number: order.tracking_number,
  reason: order.reason ?? "",
  shipment: shipment && {
    carrier: shipment.carrier,
    status: label(shipment.status),
    tone: tone(shipment.status),
    estimated_delivery: shipment.estimated_delivery ?? "—",
    address: shipment.shipping_address ?? "—",
  },
  cancellable: CANCELLABLE_ORDER_STATES.has(order.status),
  final: FINAL_ORDER_STATES.has(order.status),
  timeline: (order.timeline ?? []).map((entry) => ({
    at: entry.at,
    when: when(entry.at),
    event: entry.event,
    detail: entry.detail,
    status: label(entry.status),
    tone: tone(entry.status),
  })),
});

/** An order's row in a list: its link, who placed it (the back office), when, what, how much, its status. */
export const OrderRow: FC<{ order: Order; href: string; customer?: string; children?: Child }> = ({
  order,
  href,
  customer,
  children,
}) => (
  <tr>
    <td>
      <a href={href}>#{order.id}</a>
    </td>
    {customer !== undefined && (
      <td>
        <a href={customer}>{order.customer_id}</a>
      </td>
    )}
    <td>
      <Time at={order.created_at} />
    </td>
    <td>{itemsSummary(order)}</td>
    <td class="num">{money(order.total_price)}</td>
    <td>
      <Badge status={order.status} />
    </td>
    {children}
  </tr>
);

/** "2 × Laptop, 1 × Mouse". */
export const itemsSummary = (order: Order): string =>
  order.items.map((item) => `${item.quantity} × ${item.product_name}`).join(", ");

/**
 * The order's status block. With the script, `data-live` keeps it current; without it, a reload does. The
 * cancel form is the shop's or the back office's, as `cancelAction` says.
 */
export const OrderStatus: FC<{
  order: Order;
  liveUrl?: string;
  cancelAction?: string;
  csrf: string;
  cancelLabel?: string;
}> = ({ order, liveUrl, cancelAction, csrf, cancelLabel }) => {
  const cancellable = CANCELLABLE_ORDER_STATES.has(order.status);
  return (
    <section class="panel" aria-labelledby="status-heading" data-live={liveUrl} data-status={order.status}>
      <h2 id="status-heading">Status</h2>
      <dl class="facts" aria-live="polite">
        <dt>Order</dt>
        <dd>
          <Badge status={order.status} field="status" />
        </dd>
        <dt>Payment</dt>
        <dd data-field="payment_status">{label(order.payment_status)}</dd>
        <dt>Shipping</dt>
        <dd data-field="shipping_status">{label(order.shipping_status)}</dd>
        <div data-show-when="reason" hidden={!order.reason}>
          <dt>Why</dt>
          <dd data-field="reason">{order.reason ?? ""}</dd>
        </div>
      </dl>
      <p data-show-when="tracking" hidden={!order.tracking_number}>
        Tracking number:{" "}
        <a data-track href={`/shop/track?number=${encodeURIComponent(order.tracking_number ?? "")}`}>
          <span data-field="tracking_number">{order.tracking_number ?? ""}</span>
        </a>
      </p>
      {cancelAction && (
        <form
          method="post"
          action={cancelAction}
          data-show-when="cancellable"
          hidden={!cancellable}
          data-once
        >
          <Csrf token={csrf} />
          <button type="submit" class="danger">
            {cancelLabel ?? "Cancel order"}
          </button>
        </form>
      )}
    </section>
  );
};

export const OrderItems: FC<{ order: Order }> = ({ order }) => (
  <Table
    caption={`Order #${order.id}: items`}
    head={["Product", "Quantity", "Unit price", "Subtotal"]}
    numeric={[1, 2, 3]}
  >
    {order.items.map((item) => (
      <tr>
        <td>{item.product_name}</td>
        <td class="num">{item.quantity}</td>
        <td class="num">{money(item.unit_price)}</td>
        <td class="num">{money(item.subtotal)}</td>
      </tr>
    ))}
    <tr>
      <th scope="row" colspan={3}>
        Total
      </th>
      <td class="num">
        <strong>{money(order.total_price)}</strong>
      </td>
    </tr>
  </Table>
);

export const OrderTimeline: FC<{ order: Order }> = ({ order }) => (
  <section class="panel" aria-labelledby="timeline-heading">
    <h2 id="timeline-heading">Timeline</h2>
    <Timeline entries={order.timeline ?? []} />
  </section>
);

/** The shipment's facts; named fields, so the live status can fill them in when the shipment is made. */
export const ShipmentFacts: FC<{ shipment: Shipment | undefined }> = ({ shipment }) => (
  <>
    <dl class="facts" data-show-when="shipment" hidden={!shipment}>
      <dt>Carrier</dt>
      <dd data-field="shipment_carrier">{shipment?.carrier ?? ""}</dd>
      <dt>Tracking</dt>
      <dd>
        <a data-track href={`/shop/track?number=${encodeURIComponent(shipment?.tracking_number ?? "")}`}>
          <span data-field="tracking_number">{shipment?.tracking_number ?? ""}</span>
        </a>
      </dd>
      <dt>Status</dt>
      <dd>
        <span class={`badge ${tone(shipment?.status ?? "")}`} data-field="shipment_status">
          {label(shipment?.status)}
        </span>
      </dd>
      <dt>Estimated delivery</dt>
      <dd data-field="shipment_eta">{shipment?.estimated_delivery ?? "—"}</dd>
      <dt>Address</dt>
      <dd data-field="shipment_address">{shipment?.shipping_address ?? "—"}</dd>
    </dl>
    <p class="muted" data-show-when="no-shipment" hidden={Boolean(shipment)}>
      Not scheduled yet: a shipment is made once the payment is taken.
    </p>
  </>
);
