import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { call, eventually } from "./http";
import { ADMIN, type System } from "./system";

/** A registered and logged-in customer. */
export interface Shopper {
  id: number;
  email: string;
  token: string;
}

export async function login(customerUrl: string, email: string, password: string): Promise<string> {
  const answer = await call("POST", `${customerUrl}/auth/login`, { body: { email, password } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.token as string;
}

export const adminToken = (system: System): Promise<string> =>
  login(system.url("customer"), ADMIN.email, ADMIN.password);

export async function newShopper(
  customerUrl: string,
  role?: "staff" | "admin",
  adminToken?: string,
): Promise<Shopper> {
  const email = `${role ?? "shopper"}-${randomUUID().slice(0, 8)}@test.local`;
  const password = "a-good-password";
  const registered = await call("POST", `${customerUrl}/auth/register`, {
    body: { name: "Test Shopper", email, password, ...(role ? { role } : {}) },
    token: adminToken,
  });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  return { id: registered.body.id as number, email, token: await login(customerUrl, email, password) };
}

/** Waits until an order reaches one of the given statuses and returns its detail. */
export async function orderReaches(
  orderUrl: string,
  id: number,
  token: string,
  statuses: string[],
  timeoutMs = 20_000,
) {
  return eventually(
    async () => {
      const answer = await call("GET", `${orderUrl}/api/orders/${id}`, { token });
      return statuses.includes(answer.body?.status) ? answer.body : undefined;
    },
    timeoutMs,
    `order ${id} to become ${statuses.join(" or ")}`,
  );
}

export async function product(inventoryUrl: string, id: number) {
  const answer = await call("GET", `${inventoryUrl}/api/products/${id}`);
  expect(answer.status).toBe(200);
  return answer.body as { id: number; quantity: number; reserved: number; available: number; price: number };
}

/** A fresh product with a known stock, so tests do not disturb each other's numbers. */
export async function newProduct(
  inventoryUrl: string,
  token: string,
  quantity: number,
  price = 10,
): Promise<number> {
  const sku = `T-${randomUUID().slice(0, 8)}`;
  const answer = await call("POST", `${inventoryUrl}/api/products`, {
    token,
    body: { name: `Test ${sku}`, description: "made by a test", price, quantity, sku },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id as number;
}
