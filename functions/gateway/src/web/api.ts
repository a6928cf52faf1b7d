import type { Context } from "hono";
import type { TokenAnswer } from "./api-types";
import type { Dispatch, WebEnv } from "./context";
import type { SessionTokens } from "./session/session";

export interface ApiAnswer<T> {
  status: number;
  ok: boolean;
  body: T;
  headers: Headers;
}

/** A field the API refused, as its 400 problem lists it. */
interface FieldIssue {
  field: string;
  message: string;
}

/** What the API refused or failed to do, told in its own words (the problem's detail). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfter?: string,
  ) {
    super(message);
  }
}

/** No session, or one whose refresh token no longer works: the page asks to sign in (again). */
export class SignInRequired extends Error {}

/** The access token needs renewing, in a request that must not do it (see WebApi.withoutRenewal). */
export class RenewalNeeded extends Error {}

/** The problem's detail, with the fields a validation error names. */
export function detailOf(answer: ApiAnswer<unknown>): string {
  const body = answer.body as { detail?: unknown; error?: unknown; errors?: FieldIssue[] } | undefined;
  const detail =
    typeof body?.detail === "string" ? body.detail : typeof body?.error === "string" ? body.error : "";
  const fields = Array.isArray(body?.errors)
    ? body.errors.map((issue) => `${issue.field.replace(/^body\./, "")}: ${issue.message}`).join("; ")
    : "";
  return [detail || `the shop answered ${answer.status}`, fields].filter(Boolean).join(" — ");
}

export const tokensOf = (answer: TokenAnswer, now = Date.now()): SessionTokens => ({
  access: answer.access_token,
  accessExpiresAt: now + answer.expires_in * 1000,
  refresh: answer.refresh_token,
});

/**
 * Runs one refresh per refresh token, and hands its outcome to every request that arrives with the same
 * token for a short while after: a browser sends several requests with one cookie (a page and its live
 * status), and each refresh is a write at the customer function. Failures are not kept, so the next request
 * tries again. Per process: requests of one browser on two replicas within the same moment both spend the
 * token, which the customer function answers with one successor for both (its reuse grace period).
 */
export type RefreshOnce = (
  refreshToken: string,
  run: () => Promise<SessionTokens | undefined>,
) => Promise<SessionTokens | undefined>;

export function refreshOnce(graceMs = 30_000): RefreshOnce {
  const recent = new Map<string, { at: number; outcome: Promise<SessionTokens | undefined> }>();
  return (refreshToken, run) => {
    const now = Date.now();
    for (const [token, entry] of recent) {
      if (now - entry.at < graceMs) break; // insertion order: the rest are younger
      recent.delete(token);
    }
    const known = recent.get(refreshToken);
    if (known) return known.outcome;
    const outcome = run();
    recent.set(refreshToken, { at: now, outcome });
    outcome.catch(() => recent.delete(refreshToken));
    return outcome;
  };
}

/** Access tokens this close to their end are renewed before use. */
const RENEW_MARGIN_MS = 30_000;
/** Request headers a page passes on to the API call it makes: who the client is, and which host it named. */
const PASSED_ON = ["host", "x-forwarded-for", "x-forwarded-proto", "user-agent"] as const;

interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Without the session's token (sign-in, registration, refresh). */
  anonymous?: boolean;
}

/**
 * The public API as a page calls it: through the gateway's own routing table (so its roles, rate limits and
 * breakers apply to pages as to any client), with the session's access token, renewed with the refresh token
 * when it is about to run out or is refused.
 */
export class WebApi {
  readonly #c: Context<WebEnv>;
  readonly #dispatch: Dispatch;
  readonly #refreshOnce: RefreshOnce;
  #renewed = false;
  #mayRenew = true;

  constructor(c: Context<WebEnv>, dispatch: Dispatch, refresh: RefreshOnce) {
    this.#c = c;
    this.#dispatch = dispatch;
    this.#refreshOnce = refresh;
  }

  get<T>(path: string): Promise<ApiAnswer<T>> {
    return this.send<T>("GET", path);
  }

  /**
   * This request throws RenewalNeeded rather than renew the token. For the live status polls, which run
   * beside page loads: only a page load spends the refresh token. A poll every few seconds that renewed would
   * rotate the token as often, and a rotated token seen again after the customer function's short grace
   * period (a tab left open with an old cookie) revokes every session of the account.
   */
  withoutRenewal(): this {
    this.#mayRenew = false;
    return this;
  }

  /** A public read (the catalog), sent without a token: the gateway's edge cache may answer it. */
  catalog<T>(path: string): Promise<T> {
    return this.must<T>("GET", path, { anonymous: true });
  }

  /** The answer's body, or an ApiError for anything but a 2xx. */
  async must<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const answer = await this.send<T>(method, path, options);
    if (!answer.ok)
      throw new ApiError(answer.status, detailOf(answer), answer.headers.get("retry-after") ?? undefined);
    return answer.body;
  }

  async send<T>(method: string, path: string, options: CallOptions = {}): Promise<ApiAnswer<T>> {
    const session = this.#c.get("session");
    const withToken = !options.anonymous && session.tokens !== undefined;
    if (withToken && (session.tokens?.accessExpiresAt ?? 0) - Date.now() < RENEW_MARGIN_MS)
      await this.#renew();
    let answer = await this.#call<T>(method, path, options);
    if (withToken && answer.status === 401 && !this.#renewed) {
      await this.#renew();
      answer = await this.#call<T>(method, path, options);
    }
    if (withToken && answer.status === 401) {
      session.signOut();
      throw new SignInRequired("Your session has ended: please sign in again.");
    }
    return answer;
  }

  async #renew(): Promise<void> {
    const session = this.#c.get("session");
    const tokens = session.tokens;
    if (!tokens) return;
    if (!this.#mayRenew) throw new RenewalNeeded("the access token needs renewing");
    this.#renewed = true;
    const renewed = await this.#refreshOnce(tokens.refresh, async () => {
      const answer = await this.#call<TokenAnswer>("POST", "/auth/refresh", {
        body: { refresh_token: tokens.refresh },
        anonymous: true,
      });
      if (answer.ok) return tokensOf(answer.body);
      // Refused (revoked, expired, reused): the session is over. Anything else (the customer function is
      // down, a rate limit) says nothing about the token: try again on the next request.
      if (answer.status === 400 || answer.status === 401) return undefined;
      throw new ApiError(answer.status, detailOf(answer), answer.headers.get("retry-after") ?? undefined);
    });
    if (!renewed) {
      session.signOut();
      throw new SignInRequired("Your session has ended: please sign in again.");
    }
    session.setTokens(renewed);
  }

  async #call<T>(method: string, path: string, options: CallOptions): Promise<ApiAnswer<T>> {
    const c = this.#c;
    const headers = new Headers({ accept: "application/json" });
    for (const name of PASSED_ON) {
      const value = c.req.header(name);
      if (value !== undefined) headers.set(name, value);
    }
    headers.set("x-correlation-id", c.get("correlationId"));
    headers.set("traceparent", c.get("traceparent"));
    const tokens = c.get("session").tokens;
    if (!options.anonymous && tokens) headers.set("authorization", `Bearer ${tokens.access}`);
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    let body: string | undefined;
    if (options.body !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(options.body);
    }
    const request = new Request(new URL(path, "http://gateway.internal"), {
      method,
      headers,
      ...(body !== undefined && { body }),
    });
    // The socket of the browser's request, so the rate limits and the login throttle see the real client;
    // not its response object, which belongs to the page.
    const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
    const response = await this.#dispatch(request, incoming ? { incoming } : undefined);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, ok: response.ok, body: parsed as T, headers: response.headers };
  }
}
