import { Timeout, Unavailable } from "@bazaar/shared/errors";
import {
  AnswerTooLarge,
  CallerGone,
  CallTimeout,
  createOriginPool,
  endCallSpan,
  PROBLEM_CONTENT_TYPE,
  problem,
  startCallSpan,
  type AnswerHeaders,
  type OutboundRequest,
  type RelayedAnswer,
} from "@bazaar/shared/http";
import { tracingOn, type Metrics } from "@bazaar/shared/observability";
import {
  createBreaker,
  isBreakerOpen,
  isBreakerTimeout,
  UpstreamStatusError,
  type CircuitBreaker,
} from "@bazaar/shared/resilience";
import { upstreamNames, type UpstreamName } from "../routes-table";

/** The function's answer, read whole: the status, its end-to-end headers in order, and the body. */
export type UpstreamAnswer = RelayedAnswer;

export interface UpstreamSettings {
  baseUrl: string;
  /** Milliseconds until the upstream's answer (its headers) must have arrived. */
  timeoutMs: number;
  /** Bytes of an answer's body the gateway holds to pass it on; a longer answer becomes a 502. */
  maxAnswerBytes: number;
  resetTimeoutMs: number;
  errorThresholdPercentage: number;
  volumeThreshold: number;
}

/** A client's request on its way to the function; its `caller` is the client's connection. */
export interface ForwardRequest extends OutboundRequest {
  /** Path and query exactly as the client sent them, e.g. /api/products?q=lap. */
  pathAndQuery: string;
  body: Uint8Array | undefined;
}

export interface Upstream {
  name: string;
  baseUrl: string;
  /** The upstream's answer as it is (4xx and 5xx included), or a 503/504 domain error. */
  forward(request: ForwardRequest): Promise<UpstreamAnswer>;
  shutdown(): void;
}

/** An upstream 5xx: the breaker counts it as a failure, yet the client still gets that answer unchanged. */
class UpstreamServerError extends Error {
  constructor(readonly answer: UpstreamAnswer) {
    super(`upstream answered ${answer.status}`);
  }
}

/** 502 for an answer the gateway will not hold: it read no more of it than the limit and dropped the rest. */
const tooLargeAnswer = (name: string, limitBytes: number, pathAndQuery: string): UpstreamAnswer => {
  const detail = `the ${name} service's answer is larger than the ${limitBytes} bytes the gateway passes on`;
  const instance = pathAndQuery.replace(/\?.*$/s, "");
  return {
    status: 502,
    headers: [["content-type", PROBLEM_CONTENT_TYPE]],
    body: new TextEncoder().encode(JSON.stringify({ ...problem(502, detail), instance })),
  };
};

/**
 * The function's answer as the client gets it, with the headers every answer of this request carries.
 * 204, 304 and HEAD answers have no body to pass on.
 */
export const responseOf = (
  { status, headers, body }: UpstreamAnswer,
  answerHeaders: AnswerHeaders,
): Response =>
  new Response(body.byteLength > 0 ? body : null, { status, headers: answerHeaders.headersWith(headers) });

/**
 * One function behind its own opossum breaker with a timeout. A 4xx is the caller's business and never trips
 * it; a 5xx, a timeout or a refused connection counts as a failure. Open breaker: 503 at once, with the
 * seconds until the half-open trial as Retry-After.
 */
export function createUpstream(name: string, settings: UpstreamSettings, metrics?: Metrics): Upstream {
  const base = settings.baseUrl.replace(/\/+$/, "");
  // The call stops at the same deadline at which the breaker gives up on it.
  const pool = createOriginPool(base, {
    timeoutMs: settings.timeoutMs,
    maxAnswerBytes: settings.maxAnswerBytes,
    maxSockets: 256,
  });

  /** One call to the function, as the breaker sees it: a 5xx, a timeout or no connection is a failure. */
  const call = async (request: ForwardRequest): Promise<UpstreamAnswer> => {
    try {
      const answer = await pool.request(request.pathAndQuery, request);
      if (answer.status >= 500) throw new UpstreamServerError(answer);
      return answer;
    } catch (error) {
      // A client that hung up says nothing about the upstream's health: a 4xx never trips the breaker.
      if (error instanceof CallerGone) throw new UpstreamStatusError(499, error.message);
      // Nor does one answer too long to pass on: this request gets a 502, the function's other calls go on.
      if (error instanceof AnswerTooLarge)
        return tooLargeAnswer(name, error.limitBytes, request.pathAndQuery);
      throw error;
    }
  };

  let openedAt = 0;
  const breaker: CircuitBreaker<[ForwardRequest], UpstreamAnswer> = createBreaker(name, call, {
    timeoutMs: settings.timeoutMs,
    resetTimeoutMs: settings.resetTimeoutMs,
    errorThresholdPercentage: settings.errorThresholdPercentage,
    volumeThreshold: settings.volumeThreshold,
    ...(metrics && { metrics }),
  });
  breaker.on("open", () => (openedAt = Date.now()));
  const secondsUntilTrial = (): number =>
    Math.max(1, Math.ceil((openedAt + settings.resetTimeoutMs - Date.now()) / 1000));

  const forward = async (request: ForwardRequest): Promise<UpstreamAnswer> => {
    try {
      return await breaker.fire(request);
    } catch (error) {
      if (error instanceof UpstreamServerError) return error.answer;
      // Nobody is listening any more; the status only shows in the access log (nginx's convention).
      if (error instanceof UpstreamStatusError)
        return { status: error.status, headers: [], body: new Uint8Array() };
      throw asDomainError(name, error, settings.timeoutMs, secondsUntilTrial);
    }
  };

  /** With tracing on: the call's span (breaker included) is the parent of the function's. */
  const forwardInSpan = async (request: ForwardRequest): Promise<UpstreamAnswer> => {
    const traced = startCallSpan(`${base}${request.pathAndQuery}`, request.method, request.headers);
    if (!traced) return forward(request);
    try {
      const answer = await forward({ ...request, headers: traced.headers });
      endCallSpan(traced.span, answer);
      return answer;
    } catch (error) {
      endCallSpan(traced.span, { error });
      throw error;
    }
  };

  return {
    name,
    baseUrl: base,
    forward: (request) => (tracingOn() ? forwardInSpan(request) : forward(request)),
    shutdown: () => {
      breaker.shutdown();
      pool.close();
    },
  };
}

function asDomainError(name: string, error: unknown, timeoutMs: number, secondsUntilTrial: () => number) {
  if (isBreakerOpen(error)) {
    const seconds = secondsUntilTrial();
    return new Unavailable(
      `the ${name} service is failing; calls to it are paused (circuit open), retry in ${seconds} s`,
      { retryAfterSeconds: seconds, cause: error },
    );
  }
  if (isBreakerTimeout(error) || error instanceof CallTimeout) {
    return new Timeout(`the ${name} service did not answer within ${timeoutMs} ms`, { cause: error });
  }
  // Refused, reset, unknown host, an answer cut off: whatever went wrong, it is on the way to the function.
  return new Unavailable(`the ${name} service cannot be reached`, { cause: error });
}

export type Upstreams = Record<UpstreamName, Upstream>;

/** One breaker per function the gateway routes to. */
export function createUpstreams(
  settingsOf: (name: UpstreamName) => UpstreamSettings,
  metrics?: Metrics,
): Upstreams {
  return Object.fromEntries(
    upstreamNames.map((name) => [name, createUpstream(name, settingsOf(name), metrics)]),
  ) as Upstreams;
}
