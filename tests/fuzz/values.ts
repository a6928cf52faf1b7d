import type { Random } from "../support/random";

/**
 * The raw material of the fuzz cases: values that broke parsers, validators and databases before. Every
 * generator takes the seeded random source, so a failing case is repeated by its seed.
 */

/**
 * A number written into the JSON text exactly as given: JSON.stringify cannot write 1e309 (it is Infinity in
 * JavaScript) or 9007199254740993 (it rounds), but a client in another language can send them.
 */
export class NumberLiteral {
  constructor(readonly text: string) {}
  toJSON(): string {
    return `\u0000literal:${this.text}\u0000`;
  }
}
export const literal = (text: string): NumberLiteral => new NumberLiteral(text);

/** Numbers out of range or of the wrong kind. */
export const NASTY_NUMBERS: readonly (number | NumberLiteral)[] = [
  0,
  -1,
  -0,
  0.5,
  1.000001,
  -2147483649,
  2147483648,
  4294967296,
  Number.MAX_SAFE_INTEGER,
  literal("9007199254740993"),
  1e21,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -Number.MAX_VALUE,
  literal("1e309"),
  literal("-1e309"),
  literal("1E400"),
  literal("0.1e-400"),
  literal("1.0"),
  literal("-0.0"),
];

/** Strings that are odd Unicode, odd encodings or odd meanings. */
export const NASTY_STRINGS: readonly string[] = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff\ud800",
  "\u202e\u0644\u0627evil",
  "\u200b\u200d\ufeff",
  "e\u0301\u0301\u0301\u0301\u0301",
  "💩🏳️‍🌈👩‍👩‍👧‍👦",
  "𝕳𝖊𝖑𝖑𝖔",
  "ﷺ".repeat(50),
  "Ω≈ç√∫˜µ≤≥÷",
  "١٢٣",
  "１２３",
  "\t\r\n",
  "%00%ff%",
  "../../../../etc/passwd",
  "' OR 1=1; --",
  '"; DROP TABLE orders; --',
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  "{{7*7}}",
  "__proto__",
  "constructor",
  "null",
  "NaN",
  "Infinity",
  "-1",
  "1e309",
  "0x1F",
  "x".repeat(5000),
  "é".repeat(3000),
];

/** Values of any JSON kind, for a field that expects one kind. */
export function nastyValue(random: Random, depth = 0): unknown {
  return random.weighted<() => unknown>([
    [4, () => random.pick(NASTY_STRINGS)],
    [4, () => random.pick(NASTY_NUMBERS)],
    [1, () => null],
    [1, () => random.chance(0.5)],
    [
      1,
      () => (depth > 2 ? [] : Array.from({ length: random.int(0, 3) }, () => nastyValue(random, depth + 1))),
    ],
    [1, () => (depth > 2 ? {} : { [random.pick(NASTY_STRINGS)]: nastyValue(random, depth + 1) })],
  ])();
}

/** JSON text for a value, with each NumberLiteral written as the bare number it stands for. */
export function jsonText(value: unknown): string {
  return (JSON.stringify(value) ?? "null").replace(/"\\u0000literal:(.*?)\\u0000"/g, "$1");
}

/** Percent-encodes the UTF-8 of a string (a lone surrogate becomes U+FFFD, where encodeURIComponent throws). */
export const percentEncode = (text: string): string =>
  [...Buffer.from(text, "utf8")]
    .map((byte) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
    )
    .join("");

/** Path segments where an id or a tracking number belongs. */
export function nastySegment(random: Random, allowSmallIds: boolean): string {
  return random.weighted<() => string>([
    [3, () => String(random.int(1_000_000, 2_000_000_000))],
    [allowSmallIds ? 3 : 0, () => String(random.int(1, 6))],
    [
      6,
      () =>
        random.pick([
          "0",
          "-1",
          "1.5",
          "1e3",
          "1e309",
          "9007199254740993",
          "9".repeat(400),
          "0x10",
          "%20 1",
          "abc",
          "null",
          "%00",
          "%ff",
          "%",
          "%25",
          "%2e%2e",
          "%2F",
          "%F0%9F%92%A9",
          "%E2%80%AE",
          "BZ0000000000000",
          "bz%00",
          "[]",
          "{}",
          "__proto__",
          "１",
        ]),
    ],
    [1, () => percentEncode(random.pick(NASTY_STRINGS)).slice(0, 2000)],
    [1, () => random.pick(["%ED%A0%80", "%C0%AF", "%FF%FE", "%E2%82"])], // invalid UTF-8
  ])();
}

/** A query string of known and unknown keys with odd values; repeated keys and broken escapes included. */
export function nastyQuery(random: Random, keys: readonly string[]): string {
  const parts = Array.from({ length: random.int(0, 4) }, () => {
    const key =
      random.chance(0.8) && keys.length > 0
        ? random.pick(keys)
        : random.pick(["x", "%zz", "a[b]", "__proto__", "limit[]"]);
    const value = random.weighted<() => string>([
      [3, () => jsonText(random.pick(NASTY_NUMBERS))],
      [3, () => percentEncode(random.pick(NASTY_STRINGS)).slice(0, 1500)],
      [1, () => random.pick(["%zz", "%", "%ff%fe", "true", "false", "pending", "succeeded", ""])],
      [2, () => String(random.int(1, 100))],
    ])();
    return `${key}=${value}`;
  });
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}

/** Header values a careless or hostile client sends (fetch only carries Latin-1 without CR or LF). */
export function nastyHeaders(random: Random, token: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  const maybe = (p: number, name: string, values: readonly string[]) => {
    if (random.chance(p)) headers[name] = random.pick(values);
  };
  if (token !== undefined) headers["authorization"] = `Bearer ${token}`;
  maybe(0.15, "authorization", [
    "Bearer",
    "Bearer ",
    "Bearer a.b.c",
    "Bearer eyJhbGciOiJub25lIn0.e30.",
    "Basic YWRtaW46YWRtaW4=",
    `Bearer ${"A".repeat(8000)}`,
    "bearer\t\tx",
    "Bearer ÿÿÿ",
  ]);
  maybe(0.3, "content-type", [
    "application/json",
    "application/json; charset=utf-16",
    "application/problem+json",
    "application/merge-patch+json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json;;;=",
    "",
    "application/xml",
  ]);
  maybe(0.2, "idempotency-key", ["", " ", "k".repeat(300), "a b", "ÿ", "same-key", "%00"]);
  maybe(0.2, "x-correlation-id", ["", "x".repeat(5000), "<script>", "ÿþ", "a\tb"]);
  maybe(0.2, "traceparent", ["", "00-xyz", `00-${"0".repeat(32)}-${"0".repeat(16)}-01`, "ff-".repeat(50)]);
  maybe(0.1, "x-forwarded-for", ["1.2.3.4", "not-an-ip", "::1, 10.0.0.1", "x".repeat(2000)]);
  maybe(0.1, "accept", ["text/html", "*/*", "application/xml", ""]);
  maybe(0.1, "x-user-id", ["1"]);
  maybe(0.1, "x-user-role", ["admin"]);
  return headers;
}
