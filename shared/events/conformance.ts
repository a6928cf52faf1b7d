import { Invalid } from "../errors";

/**
 * The CloudEvents 1.0.2 rules for context attributes (spec.md, "Type System" and "Context Attributes"), checked
 * on every event read or written, whatever its binding. An attribute value is a string here, as the HTTP binary
 * mode carries it; the JSON format's own types are checked where it is read (structured.ts).
 */

/** Attribute names: lower-case ASCII letters and digits only. */
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;

/**
 * String: no control characters (U+0000-U+001F, U+007F-U+009F: exactly Unicode's Cc), no surrogate unless
 * properly paired (a lone one is its own code point under the u flag), no Unicode noncharacter.
 */
const FORBIDDEN_CHARACTER = /[\p{Cc}\p{Cs}\p{Noncharacter_Code_Point}]/u;

/** RFC 3339 date-time (section 5.6), with the ranges its ABNF leaves to prose. */
const TIMESTAMP =
  /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})[Tt](?<hour>\d{2}):(?<minute>\d{2}):(?<second>\d{2})(?:\.\d+)?(?:[Zz]|[+-](?<offsetHour>\d{2}):(?<offsetMinute>\d{2}))$/;

/** RFC 2046 media type: type "/" subtype *(";" parameter), tokens as RFC 2045 defines them. */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
const MEDIA_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|${QUOTED}))*[ \\t]*$`,
);

/** RFC 3986: the characters a URI may hold, every % starting a valid escape, and a well-formed scheme. */
const URI_CHARACTERS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

export function isTimestamp(value: string): boolean {
  const groups = TIMESTAMP.exec(value)?.groups;
  if (!groups) return false;
  const part = (name: string): number => Number(groups[name] ?? 0);
  const month = part("month");
  return (
    month >= 1 &&
    month <= 12 &&
    part("day") >= 1 &&
    part("day") <= daysIn(part("year"), month) &&
    part("hour") <= 23 &&
    part("minute") <= 59 &&
    part("second") <= 60 && // 60: a leap second
    part("offsetHour") <= 23 &&
    part("offsetMinute") <= 59
  );
}

export const isMediaType = (value: string): boolean => MEDIA_TYPE.test(value);

/** A URI-reference: relative or absolute; a part before the first "/", "?" or "#" holding ":" is a scheme. */
export function isUriReference(value: string): boolean {
  if (!URI_CHARACTERS.test(value)) return false;
  const head = /^[^/?#]*/.exec(value)?.[0] ?? "";
  const colon = head.indexOf(":");
  return colon < 0 || SCHEME.test(head.slice(0, colon));
}

/** An absolute URI: a URI-reference with a scheme. */
export const isAbsoluteUri = (value: string): boolean =>
  isUriReference(value) && SCHEME.test(value.slice(0, Math.max(0, value.indexOf(":"))));

export const isCloudEventString = (value: string): boolean => !FORBIDDEN_CHARACTER.test(value);

/** Checks for the attributes with a type of their own; every other (extension) attribute is a String. */
const typeChecks: Record<string, [check: (value: string) => boolean, what: string]> = {
  source: [isUriReference, "a URI-reference (RFC 3986)"],
  dataschema: [isAbsoluteUri, "an absolute URI (RFC 3986)"],
  datacontenttype: [isMediaType, "a media type (RFC 2046)"],
  time: [isTimestamp, "an RFC 3339 timestamp"],
};

/** What every CloudEvent must satisfy, however it arrived (HTTP, an AMQP message) or before it leaves. */
export function checkAttributes(attributes: Readonly<Record<string, string>>): void {
  const specversion = attributes["specversion"];
  if (specversion !== "1.0") {
    throw new Invalid(
      `unsupported specversion ${specversion ?? "(missing)"}: only CloudEvents 1.0 is spoken`,
    );
  }
  for (const required of ["id", "source", "type"]) {
    if (attributes[required] === undefined) throw new Invalid(`the CloudEvent has no ${required}`);
  }
  for (const [name, value] of Object.entries(attributes)) {
    if (!ATTRIBUTE_NAME.test(name)) {
      throw new Invalid(`attribute name ${name} is not lower-case letters and digits`);
    }
    // Required or optional, a present attribute is never empty (an empty optional one must be left out).
    if (value === "") throw new Invalid(`attribute ${name} is empty`);
    if (!isCloudEventString(value)) {
      throw new Invalid(`attribute ${name} holds a control character, a noncharacter or a lone surrogate`);
    }
    const typed = typeChecks[name];
    if (typed && !typed[0](value)) throw new Invalid(`${name} ${value} is not ${typed[1]}`);
  }
}
