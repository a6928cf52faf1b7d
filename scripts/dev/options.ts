import { parseArgs } from "node:util";

export interface RunOptions {
  /** `npm run dev`: node --watch restarts a function when its code changes. */
  watch: boolean;
  /** Added to every port (the original ones by default), so a second copy or a test can run beside them. */
  portOffset: number;
  /** Processes of every function (the broker stays one), behind a round-robin on the function's port. */
  replicas: number;
}

/** The largest offset that keeps every port, the gateway's metrics port (9464) included, below 65536. */
const MAX_PORT_OFFSET = 56_000;
export const MAX_REPLICAS = 8;
/** Replica i of a function listens on the function's port + i × this (order: 5103, 5203...). */
export const REPLICA_PORT_STEP = 100;

export class UsageError extends Error {}

const parse = (args: string[]) =>
  parseArgs({
    args,
    options: {
      watch: { type: "boolean", default: false },
      "port-offset": { type: "string", default: "0" },
      replicas: { type: "string", default: "1" },
    },
  }).values;

/** Reads `--watch`, `--port-offset=N` and `--replicas=N`; anything else is a UsageError. */
export function parseOptions(args: string[]): RunOptions {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(args);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const replicas = Number(values.replicas);
  if (!/^\d+$/.test(values.replicas) || replicas < 1 || replicas > MAX_REPLICAS)
    throw new UsageError(`--replicas must be a whole number from 1 to ${MAX_REPLICAS}`);
  // Replicas listen above the function's port, so they take some of the room an offset has.
  const maxOffset = MAX_PORT_OFFSET - (replicas > 1 ? replicas * REPLICA_PORT_STEP : 0);
  const portOffset = Number(values["port-offset"]);
  if (!/^\d+$/.test(values["port-offset"]) || portOffset > maxOffset)
    throw new UsageError(`--port-offset must be a whole number from 0 to ${maxOffset}`);
  return { watch: values.watch, portOffset, replicas };
}
