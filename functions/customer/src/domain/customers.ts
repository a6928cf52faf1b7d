import { customers } from "../db/schema";

export type Customer = typeof customers.$inferSelect;

/** What the API shows of a customer: never the password hash. */
export const customerView = (c: Customer) => ({
  id: c.id,
  name: c.name,
  email: c.email,
  phone: c.phone,
  address: c.address,
  role: c.role,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
});

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();
