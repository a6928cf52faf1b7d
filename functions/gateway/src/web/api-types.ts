/** The public API's answers as the pages read them (the fields they show; the API sends more). */
import type { Role } from "@bazaar/shared/http";

export interface Page {
  page: number | null;
  limit: number;
  total: number;
}

export interface Product {
  id: number;
  name: string;
  description: string;
  price: number;
  price_cents: number;
  quantity: number;
  reserved: number;
  available: number;
  sku: string;
}

export interface OrderItem {
  product_id: number;
  product_name: string;
  quantity: number;
  unit_price: number;
  subtotal: number;
}

export interface TimelineEntry {
  at: string;
  event: string;
  status: string;
  detail: string;
}

export interface Order {
  id: number;
  customer_id: number;
  status: string;
  payment_status: string;
  shipping_status: string;
  tracking_number: string | null;
  total_price: number;
  payment_method: string;
  shipping_address: string | null;
  reason: string | null;
  items: OrderItem[];
  created_at: string;
  updated_at: string;
  timeline?: TimelineEntry[];
}

export interface Shipment {
  id: number;
  order_id: number;
  carrier: string;
  tracking_number: string;
  status: string;
  shipping_address: string | null;
  estimated_delivery: string | null;
  created_at: string;
  updated_at: string;
}

export interface Payment {
  id: number;
  order_id: number;
  customer_id: number;
  amount: number;
  currency: string;
  method: string;
  status: string;
  failure_code: string | null;
  reason: string | null;
  refunds: { id: number; amount: number; reason: string | null; created_at: string }[];
  created_at: string;
}

export interface Notification {
  id: number;
  order_id: number | null;
  title: string;
  message: string;
  read: boolean;
  created_at: string;
}

export interface DeadLetter {
  id: number;
  event_id: string;
  event_source: string;
  event_type: string;
  subject: string | null;
  error_dest: string | null;
  error_code: number | null;
  error_detail: string | null;
  received_at: string;
  replayed: boolean;
  replay_count: number;
  last_replay_status: number | null;
  last_replay_error: string | null;
}

export interface Customer {
  id: number;
  name: string;
  email: string;
  phone: string | null;
  address: string | null;
  role: Role;
  created_at: string;
}

/** POST /auth/login and /auth/refresh. */
export interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  user: { id: number; name: string; email: string; role: Role };
}
