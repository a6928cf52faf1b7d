const SUNDAY = 0;
const SATURDAY = 6;

/**
 * The day `days` business days after `from`, skipping Saturdays and Sundays (public holidays are not
 * known), as an ISO date. Dates are taken in UTC so every replica computes the same day.
 */
export function addBusinessDays(from: Date, days: number): string {
  if (!Number.isInteger(days) || days < 0)
    throw new RangeError(`days must be a whole number >= 0, got ${days}`);
  const date = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  for (let left = days; left > 0;) {
    date.setUTCDate(date.getUTCDate() + 1);
    const weekday = date.getUTCDay();
    if (weekday !== SATURDAY && weekday !== SUNDAY) left -= 1;
  }
  return date.toISOString().slice(0, 10);
}
