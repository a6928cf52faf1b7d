/**
 * Money is stored and sent in events as integer cents; the API shows a decimal number of dollars (1200.5)
 * as the original did, and people read "$1,200.50".
 */
export const toDecimal = (cents: number): number => Math.round(cents) / 100;

export const toCents = (decimal: number): number => Math.round(decimal * 100);

// Made on first use: an Intl formatter loads ICU's locale data, about 10 ms and 7 MB resident at the start
// of every function that imports this module, though only the notification function formats.
let usd: Intl.NumberFormat | undefined;
export const formatUsd = (cents: number): string =>
  (usd ??= new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" })).format(cents / 100);
