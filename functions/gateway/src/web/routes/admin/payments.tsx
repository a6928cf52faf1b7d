import { Hono } from "hono";
import { paymentApi } from "@bazaar/shared/api";
import type { Page, Payment } from "../../api-types";
import type { WebEnv } from "../../context";
import { pageOf } from "../../forms";
import { render } from "../../render";
import { money } from "../../views/format";
import { Badge, Pager, StatusField, Table, Time } from "../../views/parts";

const PER_PAGE = 25;
const statuses = paymentApi.paymentStatuses;

/** Every payment with its refunds, by status: the payment API shows them to admins (and owners) only. */
export function adminPaymentRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>().get("/payments", async (c) => {
    if (c.get("session").user?.role !== "admin")
      return render(
        c,
        { title: "Payments", area: "admin", status: 403 },
        <p>
          Payments are for administrators. Each order's page shows its payment status:{" "}
          <a href="/admin/orders">see the orders</a>.
        </p>,
      );
    const page = pageOf(c);
    const status = statuses.find((s) => s === c.req.query("status"));
    const filters = { ...(status && { status }) };
    const query = new URLSearchParams({ ...filters, limit: String(PER_PAGE), page: String(page) });
    const list = await c.get("api").must<Page & { payments: Payment[] }>("GET", `/api/payments?${query}`);
    return render(
      c,
      { title: "Payments", area: "admin" },
      <>
        <form method="get" action="/admin/payments" class="inline panel" aria-label="Filter payments">
          <StatusField statuses={statuses} selected={status} />
          <button type="submit">Filter</button>
        </form>
        <Table
          caption={`${list.total} payment${list.total === 1 ? "" : "s"}, newest first`}
          head={["#", "Order", "Customer", "Taken", "Amount", "Card", "Status", "Declined or refunded"]}
          numeric={[4]}
        >
          {list.payments.map((payment) => (
            <tr data-payment={String(payment.id)}>
              <td>{payment.id}</td>
              <td>
                <a href={`/admin/orders/${payment.order_id}`}>#{payment.order_id}</a>
              </td>
              <td>
                <a href={`/admin/orders?customer_id=${payment.customer_id}`}>#{payment.customer_id}</a>
              </td>
              <td>
                <Time at={payment.created_at} />
              </td>
              <td class="num">{money(payment.amount)}</td>
              <td>
                <code>{payment.method}</code>
              </td>
              <td>
                <Badge status={payment.status} field="status" />
              </td>
              <td>
                {payment.failure_code && (
                  <>
                    <code>{payment.failure_code}</code> {payment.reason ?? ""}
                  </>
                )}
                {payment.refunds.map((refund) => (
                  <p>
                    Refunded {money(refund.amount)} <Time at={refund.created_at} /> {refund.reason ?? ""}
                  </p>
                ))}
              </td>
            </tr>
          ))}
        </Table>
        <Pager
          page={page}
          limit={PER_PAGE}
          total={list.total}
          href={(to) => `/admin/payments?${new URLSearchParams({ ...filters, page: String(to) })}`}
        />
      </>,
    );
  });
}
