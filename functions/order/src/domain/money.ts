/** The API shows money as the original did: a decimal number of dollars (1200.5), stored as integer cents. */
export const toDecimal = (cents: number): number => Math.round(cents) / 100;
export const toCents = (decimal: number): number => Math.round(decimal * 100);
