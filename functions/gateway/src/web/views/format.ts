import { formatUsd } from "@bazaar/shared/money";

/** Dollars as the API sends them (1200.5) shown as people read them ($1,200.50). */
export const money = (dollars: number): string => formatUsd(Math.round(dollars * 100));

/** An ISO time as "2026-12-02 19:13 UTC": one form for every reader, wherever the server is. */
export const when = (iso: string | null | undefined): string => {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
};

const labels: Record<string, string> = {
  pending: "Placed",
  awaiting_payment: "Awaiting payment",
  confirmed: "Confirmed",
  shipped: "Shipped",
  delivered: "Delivered",
  rejected: "Rejected",
  cancelled: "Cancelled",
  not_scheduled: "Not scheduled",
  scheduled: "Scheduled",
  dispatched: "Dispatched",
  succeeded: "Paid",
  captured: "Paid",
  failed: "Declined",
  declined: "Declined",
  refunded: "Refunded",
};

/** "awaiting_payment" as "Awaiting payment". */
export const label = (status: string | null | undefined): string =>
  status
    ? (labels[status] ?? status.replaceAll("_", " ").replace(/^./, (first) => first.toUpperCase()))
    : "—";

export type Tone = "good" | "bad" | "wait" | "";
const good = new Set([
  "confirmed",
  "shipped",
  "delivered",
  "succeeded",
  "captured",
  "dispatched",
  "scheduled",
]);
const bad = new Set(["rejected", "cancelled", "failed", "declined", "refunded"]);
const waiting = new Set(["pending", "awaiting_payment"]);

export const tone = (status: string): Tone =>
  good.has(status) ? "good" : bad.has(status) ? "bad" : waiting.has(status) ? "wait" : "";

/** Orders in these states change no more: the live status stops asking. */
export const FINAL_ORDER_STATES: ReadonlySet<string> = new Set(["delivered", "rejected", "cancelled"]);
/** What a customer may still cancel (the order function decides; this only hides a button it would refuse). */
export const CANCELLABLE_ORDER_STATES: ReadonlySet<string> = new Set([
  "pending",
  "awaiting_payment",
  "confirmed",
]);
