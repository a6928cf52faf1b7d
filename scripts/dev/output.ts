import { styleText } from "node:util";
import type { SupervisorOutput, Tone } from "./supervisor";

type Colour = Parameters<typeof styleText>[0];
const labelColours: Colour[] = [
  "cyan",
  "magenta",
  "yellow",
  "green",
  "blue",
  "red",
  "white",
  "gray",
  "cyanBright",
];
const toneColours: Record<Tone, Colour | undefined> = { info: undefined, warn: "yellow", alert: "red" };

/** Colours only for a terminal: a log piped to a file or a test stays plain text. */
const colours = process.stdout.isTTY && process.stdout.hasColors();
export const paint = (colour: Colour | undefined, text: string): string =>
  colours && colour ? styleText(colour, text) : text;

/** pino's JSON becomes "time level msg key=value" so people can read it; other lines pass through. */
export function readable(line: string): string {
  try {
    const { time, level, msg, service: _service, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const extras = Object.entries(rest)
      .filter(([key]) => !["request_id", "trace_id"].includes(key))
      .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
      .join(" ");
    return `${String(time).slice(11, 23)} ${String(level).padEnd(5)} ${String(msg)} ${extras}`;
  } catch {
    return line;
  }
}

/** One process's lines on the runner's stdout, each after its coloured name: "payment      | ...". */
export function labelledOutput(name: string, index: number, width: number): SupervisorOutput {
  const label = paint(labelColours[index % labelColours.length], name.padEnd(width));
  const write = (text: string) => process.stdout.write(`${label} | ${text}\n`);
  return {
    line: (text) => write(readable(text)),
    notice: (text, tone) => write(paint(toneColours[tone], text)),
  };
}
