/**
 * Money is stored and sent in events as integer cents; the API shows a decimal number of dollars (1200.5)
 * as the original did, and people read "$1,200.50".
 */
export const toDecimal = (cents: number): number => Math.round(cents) / 100;

export const toCents = (decimal: number): number => Math.round(decimal * 100);

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
export const formatUsd = (cents: number): string => usd.format(cents / 100);
