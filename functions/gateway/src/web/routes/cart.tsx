import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import * as z from "zod";
import { ApiError, detailOf } from "../api";
import type { Order, Product } from "../api-types";
import type { WebEnv } from "../context";
import { formId, formQuantity, readForm } from "../forms";
import { redirectWith, render, safeNext } from "../render";
import { CART_LINES, type CartLine } from "../session/session";
import { money } from "../views/format";
import { Csrf } from "../views/layout";
import { Table } from "../views/parts";

const addForm = z.object({ product_id: formId, quantity: formQuantity, next: z.string().optional() });
const updateForm = z.object({ quantity: z.coerce.number().int().min(0).max(1000) });
/** The cart as the checkout form carries it: "3:1,5:2" (product:quantity), exactly what the page showed. */
const itemsField = z
  .string()
  .regex(/^\d{1,15}:\d{1,4}(,\d{1,15}:\d{1,4}){0,49}$/, "the cart is empty")
  .transform((text) =>
    text.split(",").map((pair) => {
      const [product_id, quantity] = pair.split(":").map(Number) as [number, number];
      return { product_id, quantity };
    }),
  );
const checkoutForm = z.object({
  items: itemsField,
  idempotency_key: z.string().regex(/^[\x21-\x7e]{1,255}$/, "is missing"),
  payment_method: z.enum(["tok_visa", "tok_chargeDeclined", "tok_slow"]),
  shipping_address: z.string().trim().min(1, "is required").max(500),
});

const encodeItems = (cart: readonly CartLine[]): string =>
  cart.map(([id, quantity]) => `${id}:${quantity}`).join(",");

/** The products of the cart as the catalog has them now; lines whose product is gone are dropped. */
async function cartProducts(c: Context<WebEnv>) {
  const api = c.get("api");
  const session = c.get("session");
  const lines = await Promise.all(
    session.cart.map(async ([id, quantity]) => {
      const answer = await api.send<Product>("GET", `/api/products/${id}`, { anonymous: true });
      if (answer.status === 404) return undefined;
      if (!answer.ok) throw new ApiError(answer.status, detailOf(answer));
      return { product: answer.body, quantity };
    }),
  );
  const present = lines.filter((line) => line !== undefined);
  if (present.length !== session.cart.length)
    session.setCart(present.map((line) => [line.product.id, line.quantity]));
  return present;
}

/**
 * The cart lives in the sealed session cookie (signed in or not, so it follows the browser into its account).
 * Checkout places the order with an Idempotency-Key made when the cart page was shown: the same form sent
 * twice (a double click, a reload of the POST) is one order.
 */
export function cartRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get("/cart", async (c) => {
      const session = c.get("session");
      const lines = await cartProducts(c);
      const total = lines.reduce((sum, line) => sum + line.product.price_cents * line.quantity, 0) / 100;
      const user = session.user;
      const canOrder = user?.role === "customer" || user?.role === "admin";
      return render(
        c,
        { title: "Your cart", area: "shop" },
        lines.length === 0 ? (
          <p>
            Your cart is empty. <a href="/shop">Browse the catalog</a>.
          </p>
        ) : (
          <>
            <Table
              caption="Items in your cart"
              head={["Product", "Price", "Quantity", "Subtotal", ""]}
              numeric={[1, 3]}
            >
              {lines.map(({ product, quantity }) => (
                <tr>
                  <td>
                    <a href={`/shop/products/${product.id}`}>{product.name}</a>
                    {product.available < quantity && (
                      <p class="stock out">Only {product.available} left in stock</p>
                    )}
                  </td>
                  <td class="num">{money(product.price)}</td>
                  <td>
                    <form method="post" action={`/shop/cart/items/${product.id}`} class="inline">
                      <Csrf token={session.csrf} />
                      <label class="visually-hidden" for={`cart-${product.id}`}>
                        Quantity of {product.name}
                      </label>
                      <input
                        id={`cart-${product.id}`}
                        name="quantity"
                        type="number"
                        min={0}
                        max={1000}
                        value={String(quantity)}
                      />
                      <button type="submit" class="secondary">
                        Update
                      </button>
                    </form>
                  </td>
                  <td class="num">{money((product.price_cents * quantity) / 100)}</td>
                  <td>
                    <form method="post" action={`/shop/cart/items/${product.id}`}>
                      <Csrf token={session.csrf} />
                      <input type="hidden" name="quantity" value="0" />
                      <button type="submit" class="secondary" aria-label={`Remove ${product.name}`}>
                        Remove
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </Table>
            <p class="price">Total: {money(total)}</p>
            {canOrder ? (
              <form method="post" action="/shop/checkout" class="panel" data-once aria-label="Checkout">
                <h2>Checkout</h2>
                <Csrf token={session.csrf} />
                <input type="hidden" name="items" value={encodeItems(session.cart)} />
                <input type="hidden" name="idempotency_key" value={randomUUID()} />
                <div class="field">
                  <label for="payment_method">Card</label>
                  <select id="payment_method" name="payment_method">
                    <option value="tok_visa">Test card that pays (tok_visa)</option>
                    <option value="tok_chargeDeclined">
                      Test card that is declined (tok_chargeDeclined)
                    </option>
                    <option value="tok_slow">Test card with a slow bank (tok_slow)</option>
                  </select>
                </div>
                <div class="field">
                  <label for="shipping_address">Shipping address</label>
                  <textarea
                    id="shipping_address"
                    name="shipping_address"
                    required
                    maxlength={500}
                    rows={3}
                    autocomplete="street-address"
                  ></textarea>
                </div>
                <button type="submit">Place order</button>
              </form>
            ) : user ? (
              <p>Staff accounts cannot place orders.</p>
            ) : (
              <p>
                <a href="/shop/signin?next=%2Fshop%2Fcart">Sign in</a> or{" "}
                <a href="/shop/register?next=%2Fshop%2Fcart">create an account</a> to place your order.
              </p>
            )}
          </>
        ),
      );
    })
    .post("/cart/items", async (c) => {
      const form = await readForm(c, addForm);
      if (form.error !== undefined) return redirectWith(c, "/shop", { error: form.error });
      const { product_id, quantity } = form.data;
      const next = safeNext(form.data.next, "/shop/cart");
      const answer = await c
        .get("api")
        .send<Product>("GET", `/api/products/${product_id}`, { anonymous: true });
      if (!answer.ok) return redirectWith(c, next, { error: detailOf(answer) });
      const product = answer.body;
      const session = c.get("session");
      const inCart = session.cart.find(([id]) => id === product_id)?.[1] ?? 0;
      const wanted = Math.min(inCart + quantity, 1000);
      if (wanted > product.available)
        return redirectWith(c, next, { error: `Only ${product.available} of ${product.name} in stock.` });
      const others = session.cart.filter(([id]) => id !== product_id);
      if (inCart === 0 && others.length >= CART_LINES)
        return redirectWith(c, next, { error: `A cart holds at most ${CART_LINES} different products.` });
      session.setCart(
        inCart === 0
          ? [...others, [product_id, wanted]]
          : session.cart.map((line) => (line[0] === product_id ? [product_id, wanted] : line)),
      );
      return redirectWith(c, next, { ok: `Added ${quantity} × ${product.name} to your cart.` });
    })
    .post("/cart/items/:id{[0-9]+}", async (c) => {
      const form = await readForm(c, updateForm);
      if (form.error !== undefined) return redirectWith(c, "/shop/cart", { error: form.error });
      const id = Number(c.req.param("id"));
      const session = c.get("session");
      const { quantity } = form.data;
      session.setCart(
        quantity === 0
          ? session.cart.filter(([line]) => line !== id)
          : session.cart.map((line) => (line[0] === id ? [id, quantity] : line)),
      );
      return redirectWith(c, "/shop/cart", {
        ok: quantity === 0 ? "Removed from your cart." : "Cart updated.",
      });
    })
    .post("/checkout", async (c) => {
      const form = await readForm(c, checkoutForm);
      if (form.error !== undefined) return redirectWith(c, "/shop/cart", { error: form.error });
      const { items, idempotency_key, payment_method, shipping_address } = form.data;
      const answer = await c.get("api").send<Order>("POST", "/api/orders", {
        body: { items, payment_method, shipping_address },
        headers: { "idempotency-key": idempotency_key },
      });
      if (answer.status === 401)
        return redirectWith(c, "/shop/signin?next=%2Fshop%2Fcart", { error: "Please sign in first." });
      if (!answer.ok) return redirectWith(c, "/shop/cart", { error: detailOf(answer) });
      c.get("session").setCart([]);
      return redirectWith(c, `/shop/orders/${answer.body.id}`, {
        ok: `Order #${answer.body.id} placed: reserving stock and taking payment.`,
      });
    });
}
