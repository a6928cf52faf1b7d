import type { Context, ErrorHandler, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { secureHeaders } from "hono/secure-headers";
import { clientOf } from "@bazaar/shared/http";
import { ApiError, WebApi, SignInRequired, type RefreshOnce } from "./api";
import type { WebEnv, WebKit } from "./context";
import { redirectWith, render } from "./render";
import { openSession, remainingSeconds, sealSession, WebSession } from "./session/session";

/**
 * Every page's headers: a policy that allows scripts, styles and fetches from this origin only and no HTML
 * string sinks at all (Trusted Types), no framing, no referrer to other sites. The pages need nothing more.
 */
export const securityHeaders = (): MiddlewareHandler =>
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      requireTrustedTypesFor: ["'script'"],
      trustedTypes: ["'none'"],
    },
    referrerPolicy: "same-origin",
    xFrameOptions: "DENY",
    permissionsPolicy: { camera: [], microphone: [], geolocation: [], payment: [] },
  });

/** __Host- cookies must be Secure, so the name says which kind a browser holds. */
export const cookieName = (secure: boolean): string => (secure ? "__Host-bazaar_session" : "bazaar_session");

/**
 * Opens the browser's sealed session (or starts one), puts it and an API client on the context, and sends the
 * cookie back when the request changed it: HttpOnly (no script reads the tokens), SameSite=Lax, Secure
 * when the browser came over HTTPS, living as long as the session may.
 */
export function sessionCookie(kit: WebKit, refresh: RefreshOnce): MiddlewareHandler<WebEnv> {
  return async function sessionCookie(c, next) {
    const secure = clientOf(c, kit.trusted).proto === "https";
    const name = cookieName(secure);
    const sealed = getCookie(c, name);
    const session =
      (sealed === undefined ? undefined : openSession(kit.sealer, sealed, kit.sessionMaxAgeSeconds)) ??
      new WebSession();
    c.set("secure", secure);
    c.set("session", session);
    c.set("api", new WebApi(c, kit.dispatch, refresh));
    await next();
    if (!session.dirty) return;
    setCookie(c, name, sealSession(kit.sealer, session), {
      path: "/",
      httpOnly: true,
      secure,
      sameSite: "Lax",
      maxAge: remainingSeconds(session, kit.sessionMaxAgeSeconds),
    });
  };
}

/** Thrown when a form's token is missing or not the session's. */
class CsrfRefused extends Error {}

/**
 * Every POST carries the session's synchronizer token in the field _csrf, and a browser that says where a
 * request comes from (Sec-Fetch-Site) must say it comes from this site. A form from another site has neither.
 */
export function csrfProtection(): MiddlewareHandler<WebEnv> {
  return async function csrfProtection(c, next) {
    if (c.req.method !== "POST") return next();
    const site = c.req.header("sec-fetch-site");
    if (site !== undefined && site !== "same-origin") throw new CsrfRefused(`a request from ${site}`);
    const body = await c.req.parseBody();
    const token = typeof body["_csrf"] === "string" ? body["_csrf"] : undefined;
    if (!c.get("session").holdsCsrf(token)) throw new CsrfRefused("no or a wrong token");
    return next();
  };
}

/** The back office: staff and admins. Anonymous visitors are sent to sign in, customers are refused. */
export function staffOnly(): MiddlewareHandler<WebEnv> {
  return async function staffOnly(c, next) {
    const user = c.get("session").user;
    if (!user) throw new SignInRequired("Sign in with a staff account to open the back office.");
    if (user.role !== "staff" && user.role !== "admin") {
      return render(
        c,
        { title: "Not for customers", area: "shop", status: 403 },
        <p>
          The back office is for staff and administrators. <a href="/shop">Back to the shop</a>.
        </p>,
      );
    }
    return next();
  };
}

/** Pages that need somebody signed in. */
export function signedIn(): MiddlewareHandler<WebEnv> {
  return async function signedIn(c, next) {
    if (!c.get("session").user) throw new SignInRequired("Please sign in first.");
    return next();
  };
}

const areaOf = (c: Context<WebEnv>) => (c.req.path.startsWith("/admin") ? "admin" : "shop");

/** Where to come back to after signing in: this page for a GET, the page that posted the form otherwise. */
function comeBackTo(c: Context<WebEnv>): string {
  if (c.req.method === "GET") return c.req.path + (new URL(c.req.url).search || "");
  const referer = c.req.header("referer");
  try {
    return referer ? new URL(referer).pathname : "/shop";
  } catch {
    return "/shop";
  }
}

const titles: Record<number, string> = {
  400: "That did not work",
  403: "Not allowed",
  404: "Not found",
  409: "That did not work",
  429: "Too many requests",
};

/** Errors become pages (the API's own words), never problem+json: these are people, not clients. */
export const webErrors: ErrorHandler<WebEnv> = async (error, c) => {
  if (error instanceof SignInRequired) {
    const next = comeBackTo(c);
    return redirectWith(c, `/shop/signin?next=${encodeURIComponent(next)}`, { error: error.message });
  }
  if (error instanceof CsrfRefused) {
    c.get("log").warn({ reason: error.message }, "form refused: CSRF check failed");
    return render(
      c,
      { title: "This form has expired", area: areaOf(c), status: 403 },
      <p>
        The form was not sent from this session (it may be old, or from another site). Go back, reload the
        page and try again.
      </p>,
    );
  }
  if (error instanceof ApiError && error.status < 500) {
    if (error.retryAfter) c.header("retry-after", error.retryAfter);
    const status = error.status === 401 ? 403 : error.status;
    return render(
      c,
      { title: titles[status] ?? "That did not work", area: areaOf(c), status: status as 400 },
      <p>{error.message}</p>,
    );
  }
  c.get("log").error({ err: error }, "page failed");
  if (error instanceof ApiError && error.retryAfter) c.header("retry-after", error.retryAfter);
  return render(
    c,
    { title: "The shop is busy", area: areaOf(c), status: 503 },
    <p>Something behind this page did not answer. Please try again in a moment.</p>,
  );
};
