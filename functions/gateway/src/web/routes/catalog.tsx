import { Hono } from "hono";
import type { FC } from "hono/jsx";
import type { Page, Product } from "../api-types";
import type { WebEnv } from "../context";
import { pageOf } from "../forms";
import { render } from "../render";
import { money } from "../views/format";
import { Csrf } from "../views/layout";
import { Pager } from "../views/parts";

const PER_PAGE = 12;

const Stock: FC<{ product: Product }> = ({ product }) =>
  product.available > 0 ? (
    <p class="stock">{product.available} in stock</p>
  ) : (
    <p class="stock out">Out of stock</p>
  );

/** Quantity and "Add to cart"; the label names the product, so a screen reader's list of buttons makes sense. */
export const AddToCart: FC<{ product: Product; csrf: string; next: string }> = ({ product, csrf, next }) =>
  product.available > 0 ? (
    <form method="post" action="/shop/cart/items" class="inline">
      <Csrf token={csrf} />
      <input type="hidden" name="product_id" value={String(product.id)} />
      <input type="hidden" name="next" value={next} />
      <div class="field">
        <label for={`quantity-${product.id}`}>Quantity</label>
        <input
          id={`quantity-${product.id}`}
          name="quantity"
          type="number"
          min={1}
          max={Math.min(product.available, 1000)}
          value="1"
          required
        />
      </div>
      <button type="submit" aria-label={`Add ${product.name} to cart`}>
        Add to cart
      </button>
    </form>
  ) : (
    <></>
  );

/** The catalog with stock as inventory counts it (what is not reserved by orders in flight). */
export function catalogRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get("/", async (c) => {
      const page = pageOf(c);
      const q = (c.req.query("q") ?? "").trim().slice(0, 100);
      const query = new URLSearchParams({ limit: String(PER_PAGE), page: String(page), ...(q && { q }) });
      const list = await c.get("api").catalog<Page & { products: Product[] }>(`/api/products?${query}`);
      const csrf = c.get("session").csrf;
      const here = `/shop${q || page > 1 ? `?${new URLSearchParams({ ...(q && { q }), ...(page > 1 && { page: String(page) }) })}` : ""}`;
      return render(
        c,
        { title: q ? `Products matching “${q}”` : "Catalog", area: "shop" },
        <>
          <form role="search" method="get" action="/shop" class="inline panel">
            <div class="field">
              <label for="q">Search products</label>
              <input id="q" name="q" type="search" value={q} maxlength={100} />
            </div>
            <button type="submit">Search</button>
          </form>
          {list.products.length === 0 && <p>No products found.</p>}
          <ul class="grid" aria-label="Products">
            {list.products.map((product) => (
              <li class="card">
                <h2>
                  <a href={`/shop/products/${product.id}`}>{product.name}</a>
                </h2>
                <p class="muted">{product.description}</p>
                <p class="price">{money(product.price)}</p>
                <Stock product={product} />
                <AddToCart product={product} csrf={csrf} next={here} />
              </li>
            ))}
          </ul>
          <Pager
            page={page}
            limit={PER_PAGE}
            total={list.total}
            href={(to) => `/shop?${new URLSearchParams({ ...(q && { q }), page: String(to) })}`}
          />
        </>,
      );
    })
    .get("/products/:id{[0-9]+}", async (c) => {
      const product = await c.get("api").catalog<Product>(`/api/products/${c.req.param("id")}`);
      return render(
        c,
        { title: product.name, area: "shop" },
        <section class="panel" aria-label="Product">
          <p>{product.description}</p>
          <dl class="facts">
            <dt>Price</dt>
            <dd class="price">{money(product.price)}</dd>
            <dt>SKU</dt>
            <dd>{product.sku}</dd>
            <dt>Stock</dt>
            <dd>
              <Stock product={product} />
            </dd>
          </dl>
          <AddToCart product={product} csrf={c.get("session").csrf} next={`/shop/products/${product.id}`} />
          <p>
            <a href="/shop">Back to the catalog</a>
          </p>
        </section>,
      );
    });
}
