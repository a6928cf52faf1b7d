import type { z } from "zod";

/** The schemas a function validates one operation's input with; a missing key means it reads no such input. */
export interface OperationInput {
  params?: z.ZodType;
  query?: z.ZodType;
  headers?: z.ZodType;
  body?: z.ZodType;
  /** When the function refuses a valid request as 409 Conflict (the state of a record forbids it), in a sentence. */
  conflict?: string;
}

/** "METHOD /public/path/:param", as the gateway's routing table spells it. */
export type OperationKey = `${"GET" | "POST" | "PUT" | "PATCH" | "DELETE"} /${string}`;

export type OperationInputs = Record<OperationKey, OperationInput>;
