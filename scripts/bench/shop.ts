/** The few API calls the benchmarks make to set up: accounts, tokens, a product with stock, orders. */
import { randomUUID } from "node:crypto";
import { ADMIN } from "./bundles";

async function send<T>(method: string, url: string, body?: unknown, token?: string): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

export async function login(customerUrl: string, email: string, password: string): Promise<string> {
  return (await send<{ token: string }>("POST", `${customerUrl}/auth/login`, { email, password })).token;
}

export const adminToken = (customerUrl: string): Promise<string> =>
  login(customerUrl, ADMIN.email, ADMIN.password);

export async function registerShopper(customerUrl: string): Promise<{ id: number; token: string }> {
  const email = `shopper-${randomUUID().slice(0, 8)}@bench.local`;
  const password = "a-good-password";
  const { id } = await send<{ id: number }>("POST", `${customerUrl}/auth/register`, {
    name: "Bench Shopper",
    email,
    password,
  });
  return { id, token: await login(customerUrl, email, password) };
}

/** A product with enough stock that no benchmark order is ever refused for stock. */
export async function newProduct(inventoryUrl: string, token: string, quantity: number): Promise<number> {
  const sku = `BENCH-${randomUUID().slice(0, 8)}`;
  const created = await send<{ id: number }>(
    "POST",
    `${inventoryUrl}/api/products`,
    { name: `Bench ${sku}`, description: "benchmark stock", price: 10, quantity, sku },
    token,
  );
  return created.id;
}

export async function placeOrder(
  orderUrl: string,
  token: string,
  productId: number,
  quantity: number,
): Promise<number> {
  const placed = await send<{ id: number }>(
    "POST",
    `${orderUrl}/api/orders`,
    { product_id: productId, quantity },
    token,
  );
  return placed.id;
}
