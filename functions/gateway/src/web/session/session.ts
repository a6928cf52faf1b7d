import { randomBytes, timingSafeEqual } from "node:crypto";
import * as z from "zod";
import { ROLES } from "@bazaar/shared/auth";
import type { Sealer } from "./seal";

const role = z.enum(ROLES);
/** The most product lines a cart holds (the order function's own default limit). */
export const CART_LINES = 50;

const sessionSchema = z.object({
  /** Sign-in (or first visit) time, seconds: the session ends WEB_SESSION_MAX_AGE_SECONDS later. */
  born: z.number().int(),
  /** The synchronizer token every form of this session carries. */
  csrf: z.string().min(32),
  user: z.object({ id: z.number().int(), name: z.string(), email: z.string(), role }).optional(),
  tokens: z
    .object({
      access: z.string(),
      /** When the access token runs out, milliseconds since the epoch. */
      accessExpiresAt: z.number(),
      refresh: z.string(),
    })
    .optional(),
  /** [product id, quantity] pairs. */
  cart: z
    .array(z.tuple([z.number().int().positive(), z.number().int().positive()]))
    .max(CART_LINES)
    .default([]),
  flash: z.object({ kind: z.enum(["ok", "error"]), text: z.string() }).optional(),
});
export type SessionData = z.infer<typeof sessionSchema>;
export type SessionUser = NonNullable<SessionData["user"]>;
export type SessionTokens = NonNullable<SessionData["tokens"]>;
export type Flash = NonNullable<SessionData["flash"]>;
export type CartLine = SessionData["cart"][number];

const newCsrf = (): string => randomBytes(32).toString("base64url");
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * One browser's session, held by the browser itself in a sealed cookie (see seal.ts): no server keeps any
 * state, so every gateway replica serves every request. Changes mark it dirty; the session middleware then
 * sends the new cookie with the answer.
 */
export class WebSession {
  #data: SessionData;
  #dirty: boolean;

  constructor(data?: SessionData) {
    this.#data = data ?? { born: nowSeconds(), csrf: newCsrf(), cart: [] };
    this.#dirty = data === undefined;
  }

  get dirty(): boolean {
    return this.#dirty;
  }
  get data(): Readonly<SessionData> {
    return this.#data;
  }
  get csrf(): string {
    return this.#data.csrf;
  }
  get user(): SessionUser | undefined {
    return this.#data.user;
  }
  get tokens(): SessionTokens | undefined {
    return this.#data.tokens;
  }
  get cart(): readonly CartLine[] {
    return this.#data.cart;
  }

  /** Whether a form's token is this session's (compared in constant time). */
  holdsCsrf(token: string | undefined): boolean {
    if (!token) return false;
    const given = Buffer.from(token);
    const expected = Buffer.from(this.#data.csrf);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** A new session for the user: new CSRF token and lifetime, the cart kept. */
  signIn(user: SessionUser, tokens: SessionTokens): void {
    this.#replace({ born: nowSeconds(), csrf: newCsrf(), user, tokens, cart: this.#data.cart });
  }

  /** Back to an anonymous session with nothing in it. */
  signOut(): void {
    this.#replace({ born: nowSeconds(), csrf: newCsrf(), cart: [] });
  }

  /** The signed-in person's own details, changed on their account page. */
  setUser(user: SessionUser): void {
    if (this.#data.user?.id === user.id) this.#replace({ ...this.#data, user });
  }

  setTokens(tokens: SessionTokens): void {
    this.#replace({ ...this.#data, tokens });
  }

  setCart(cart: CartLine[]): void {
    this.#replace({ ...this.#data, cart: cart.slice(0, CART_LINES) });
  }

  /** A message for the next page shown (after a redirect). */
  flash(kind: Flash["kind"], text: string): void {
    this.#replace({ ...this.#data, flash: { kind, text: text.slice(0, 500) } });
  }

  /** The message left for this page, once. */
  takeFlash(): Flash | undefined {
    const { flash, ...rest } = this.#data;
    if (flash) this.#replace(rest);
    return flash;
  }

  #replace(data: SessionData): void {
    this.#data = data;
    this.#dirty = true;
  }
}

/** Opens a sealed cookie; undefined for one that is forged, altered, malformed or past its lifetime. */
export function openSession(sealer: Sealer, sealed: string, maxAgeSeconds: number): WebSession | undefined {
  const plain = sealer.open(sealed);
  if (plain === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(plain);
  } catch {
    return undefined;
  }
  const result = sessionSchema.safeParse(parsed);
  if (!result.success || result.data.born + maxAgeSeconds <= nowSeconds()) return undefined;
  return new WebSession(result.data);
}

export const sealSession = (sealer: Sealer, session: WebSession): string =>
  sealer.seal(JSON.stringify(session.data));

/** Seconds the cookie should still live: what is left of the session's lifetime. */
export const remainingSeconds = (session: WebSession, maxAgeSeconds: number): number =>
  Math.max(0, session.data.born + maxAgeSeconds - nowSeconds());
