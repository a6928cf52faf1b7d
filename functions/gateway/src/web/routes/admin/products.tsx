import { Hono } from "hono";
import * as z from "zod";
import { detailOf } from "../../api";
import type { Page, Product } from "../../api-types";
import type { WebEnv } from "../../context";
import { formPrice, optionalText, pageOf, readForm } from "../../forms";
import { redirectWith, render } from "../../render";
import { money } from "../../views/format";
import { Csrf } from "../../views/layout";
import { Pager, Table } from "../../views/parts";

const PER_PAGE = 50;
const createForm = z.object({
  name: z.string().trim().min(1, "is required").max(200),
  sku: z.string().trim().min(1, "is required").max(64),
  price: formPrice,
  quantity: z.coerce.number().int().min(0).max(1_000_000_000),
  description: optionalText(2000),
});
const stockForm = z.object({
  delta: z.coerce
    .number()
    .int("must be a whole number")
    .refine((n) => n !== 0, "must not be zero"),
  reason: optionalText(500),
});

/** Products and their stock: staff and admins change them, only admins delete (as the API allows). */
export function adminProductRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get("/products", async (c) => {
      const page = pageOf(c);
      const list = await c
        .get("api")
        .must<Page & { products: Product[] }>("GET", `/api/products?limit=${PER_PAGE}&page=${page}`);
      const { csrf, user } = { csrf: c.get("session").csrf, user: c.get("session").user };
      return render(
        c,
        { title: "Products and stock", area: "admin" },
        <>
          <Table
            caption="Every product, with its stock (reserved: held by orders in flight)"
            head={["SKU", "Product", "Price", "On hand", "Reserved", "Available", "Adjust stock", "Edit"]}
            numeric={[2, 3, 4, 5]}
          >
            {list.products.map((product) => (
              <tr>
                <td>{product.sku}</td>
                <td>{product.name}</td>
                <td class="num">{money(product.price)}</td>
                <td class="num" data-field={`quantity-${product.id}`}>
                  {product.quantity}
                </td>
                <td class="num">{product.reserved}</td>
                <td class="num">{product.available}</td>
                <td>
                  <form method="post" action={`/admin/products/${product.id}/stock`} class="inline">
                    <Csrf token={csrf} />
                    <div class="field">
                      <label for={`delta-${product.id}`}>Change by</label>
                      <input id={`delta-${product.id}`} name="delta" type="number" step={1} required />
                    </div>
                    <div class="field">
                      <label for={`reason-${product.id}`}>Reason</label>
                      <input id={`reason-${product.id}`} name="reason" maxlength={500} />
                    </div>
                    <button type="submit" aria-label={`Adjust stock of ${product.name}`}>
                      Adjust
                    </button>
                  </form>
                </td>
                <td>
                  <a href={`/admin/products/${product.id}`} aria-label={`Edit ${product.name}`}>
                    Edit
                  </a>
                  {user?.role === "admin" && (
                    <form method="post" action={`/admin/products/${product.id}/delete`}>
                      <Csrf token={csrf} />
                      <button type="submit" class="danger" aria-label={`Delete ${product.name}`}>
                        Delete
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </Table>
          <Pager
            page={page}
            limit={PER_PAGE}
            total={list.total}
            href={(to) => `/admin/products?page=${to}`}
          />
          <form method="post" action="/admin/products" class="panel" aria-labelledby="new-product">
            <h2 id="new-product">New product</h2>
            <Csrf token={csrf} />
            <div class="columns">
              <div class="field">
                <label for="new-name">Name</label>
                <input id="new-name" name="name" required maxlength={200} />
              </div>
              <div class="field">
                <label for="new-sku">SKU</label>
                <input
                  id="new-sku"
                  name="sku"
                  required
                  maxlength={64}
                  pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
                />
              </div>
              <div class="field">
                <label for="new-price">Price</label>
                <input id="new-price" name="price" type="number" min={0} step="0.01" required />
              </div>
              <div class="field">
                <label for="new-quantity">Quantity</label>
                <input id="new-quantity" name="quantity" type="number" min={0} step={1} value="0" required />
              </div>
            </div>
            <div class="field">
              <label for="new-description">Description</label>
              <textarea id="new-description" name="description" maxlength={2000} rows={2}></textarea>
            </div>
            <button type="submit">Create product</button>
          </form>
        </>,
      );
    })
    .post("/products", async (c) => {
      const form = await readForm(c, createForm);
      if (form.error !== undefined) return redirectWith(c, "/admin/products", { error: form.error });
      const answer = await c.get("api").send<Product>("POST", "/api/products", { body: form.data });
      return redirectWith(
        c,
        "/admin/products",
        answer.ok ? { ok: `Created ${answer.body.name}.` } : { error: detailOf(answer) },
      );
    })
    .post("/products/:id{[0-9]+}/stock", async (c) => {
      const form = await readForm(c, stockForm);
      if (form.error !== undefined) return redirectWith(c, "/admin/products", { error: form.error });
      const answer = await c
        .get("api")
        .send<Product>("POST", `/api/products/${c.req.param("id")}/stock`, { body: form.data });
      return redirectWith(
        c,
        "/admin/products",
        answer.ok
          ? { ok: `${answer.body.name}: ${answer.body.quantity} on hand.` }
          : { error: detailOf(answer) },
      );
    })
    .post("/products/:id{[0-9]+}/delete", async (c) => {
      const answer = await c.get("api").send("DELETE", `/api/products/${c.req.param("id")}`);
      return redirectWith(
        c,
        "/admin/products",
        answer.ok ? { ok: "Product deleted." } : { error: detailOf(answer) },
      );
    });
}
