const DURATION =
  /^P(?:(?<weeks>\d+(?:\.\d+)?)W)?(?:(?<days>\d+(?:\.\d+)?)D)?(?:T(?:(?<hours>\d+(?:\.\d+)?)H)?(?:(?<minutes>\d+(?:\.\d+)?)M)?(?:(?<seconds>\d+(?:\.\d+)?)S)?)?$/;

const MS_PER = { weeks: 604_800_000, days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1000 };

/**
 * Milliseconds of an ISO-8601 duration as Knative delivery specs write them (PT0.2S, PT30S, PT1M30S, P1D).
 * Years and months have no fixed length, so they are refused rather than guessed. Undefined if invalid.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match?.groups || text === "P" || text.endsWith("T")) return undefined;
  let ms = 0;
  for (const [unit, factor] of Object.entries(MS_PER)) {
    const value = match.groups[unit];
    if (value !== undefined) ms += Number(value) * factor;
  }
  return Math.round(ms);
}
