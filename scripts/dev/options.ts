import { parseArgs } from "node:util";

export interface RunOptions {
  /** `npm run dev`: node --watch restarts a function when its code changes. */
  watch: boolean;
  /** Added to every port (the original ones by default), so a second copy or a test can run beside them. */
  portOffset: number;
}

/** The largest offset that keeps every port, the gateway's metrics port (9464) included, below 65536. */
const MAX_PORT_OFFSET = 56_000;

export class UsageError extends Error {}

const parse = (args: string[]) =>
  parseArgs({
    args,
    options: { watch: { type: "boolean", default: false }, "port-offset": { type: "string", default: "0" } },
  }).values;

/** Reads `--watch` and `--port-offset=N`; anything else is a UsageError. */
export function parseOptions(args: string[]): RunOptions {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(args);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const portOffset = Number(values["port-offset"]);
  if (!/^\d+$/.test(values["port-offset"]) || portOffset > MAX_PORT_OFFSET)
    throw new UsageError(`--port-offset must be a whole number from 0 to ${MAX_PORT_OFFSET}`);
  return { watch: values.watch, portOffset };
}
