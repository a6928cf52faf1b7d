import { Hono } from "hono";
import * as z from "zod";
import { detailOf } from "../../api";
import type { Product } from "../../api-types";
import type { WebEnv } from "../../context";
import { formPrice, readForm } from "../../forms";
import { redirectWith, render } from "../../render";
import { money } from "../../views/format";
import { Csrf } from "../../views/layout";

/**
 * What PUT /api/products/:id changes, but the quantity: stock moves by adjustments (with a reason) on the
 * products page, so that an edit cannot overwrite units reserved or received meanwhile.
 */
const productForm = z.object({
  name: z.string().trim().min(1, "is required").max(200),
  sku: z.string().trim().min(1, "is required").max(64),
  price: formPrice,
  // Sent even when empty: clearing the description is an edit too.
  description: z.string().trim().max(2000).default(""),
});

/** One product's edit page: staff and admins (the API's rule). */
export function adminProductEditRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get("/products/:id{[0-9]+}", async (c) => {
      const product = await c.get("api").must<Product>("GET", `/api/products/${c.req.param("id")}`);
      const csrf = c.get("session").csrf;
      return render(
        c,
        { title: `Edit ${product.name}`, area: "admin" },
        <>
          <p>
            <a href="/admin/products">Back to products and stock</a> · {product.quantity} on hand,{" "}
            {product.available} available at {money(product.price)}.
          </p>
          <form method="post" action={`/admin/products/${product.id}`} class="panel" data-once>
            <Csrf token={csrf} />
            <div class="columns">
              <div class="field">
                <label for="name">Name</label>
                <input id="name" name="name" value={product.name} required maxlength={200} />
              </div>
              <div class="field">
                <label for="sku">SKU</label>
                <input
                  id="sku"
                  name="sku"
                  value={product.sku}
                  required
                  maxlength={64}
                  pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
                />
              </div>
              <div class="field">
                <label for="price">Price</label>
                <input
                  id="price"
                  name="price"
                  type="number"
                  min={0}
                  step="0.01"
                  value={String(product.price)}
                  required
                />
              </div>
            </div>
            <div class="field">
              <label for="description">Description</label>
              <textarea id="description" name="description" maxlength={2000} rows={4}>
                {product.description}
              </textarea>
            </div>
            <button type="submit">Save changes</button>
          </form>
        </>,
      );
    })
    .post("/products/:id{[0-9]+}", async (c) => {
      const id = c.req.param("id");
      const form = await readForm(c, productForm);
      if (form.error !== undefined) return redirectWith(c, `/admin/products/${id}`, { error: form.error });
      const answer = await c.get("api").send<Product>("PUT", `/api/products/${id}`, { body: form.data });
      return answer.ok
        ? redirectWith(c, "/admin/products", { ok: `Saved ${answer.body.name}.` })
        : redirectWith(c, `/admin/products/${id}`, { error: detailOf(answer) });
    });
}
