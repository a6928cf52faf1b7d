import type { Logger } from "pino";
import type { Role } from "../auth/roles";
import type { Metrics } from "../observability";
import type { AnswerHeaders } from "./answer-headers";

/** Who made a request, as proven by a verified access token. */
export interface Principal {
  id: number;
  role: Role;
  email: string;
  /** When the token was issued (its `iat`, seconds since the epoch); set on a principal a token proved. */
  issuedAt?: number;
}

export type { Role } from "../auth/roles";

/** Variables every request carries, set by the app factory's middleware. */
export interface AppVariables {
  requestId: string;
  correlationId: string;
  /** The W3C traceparent to send on outbound calls from this request. */
  traceparent: string;
  log: Logger;
  principal: Principal | undefined;
  /** Headers the answer must carry whatever it is; middleware adds to them before the handler runs. */
  answerHeaders: AnswerHeaders;
}

export interface AppEnv {
  Variables: AppVariables;
}

export interface HttpDeps {
  service: string;
  logger: Logger;
  metrics: Metrics;
  bodyLimitBytes: number;
  /** Readiness beyond "the process runs", e.g. the database answers. */
  isReady?: () => Promise<boolean>;
  /**
   * Whether this app answers /metrics (default true). The gateway's port is the public entry, so it serves
   * its metrics on a private port instead (serveMetrics).
   */
  servesMetrics?: boolean;
}
