/**
 * The one error vocabulary of Bazaar. Domain code throws these; they carry no HTTP status. shared/http maps
 * each kind to a status and an RFC 9457 problem in one place.
 */
export type ErrorKind =
  | "invalid"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "too_many_requests"
  | "unavailable"
  | "timeout";

export interface FieldIssue {
  field: string;
  message: string;
}

export class DomainError extends Error {
  readonly kind: ErrorKind;
  readonly issues: FieldIssue[] | undefined;
  /** Seconds after which a retry may succeed (rate limits, open breakers). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    kind: ErrorKind,
    message: string,
    options: { issues?: FieldIssue[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.issues = options.issues;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

const make = (kind: ErrorKind) =>
  class extends DomainError {
    constructor(
      message: string,
      options?: { issues?: FieldIssue[]; retryAfterSeconds?: number; cause?: unknown },
    ) {
      super(kind, message, options);
    }
  };

export class Invalid extends make("invalid") {}
export class Unauthorized extends make("unauthorized") {}
export class Forbidden extends make("forbidden") {}
export class NotFound extends make("not_found") {}
export class Conflict extends make("conflict") {}
export class PayloadTooLarge extends make("payload_too_large") {}
export class UnsupportedMediaType extends make("unsupported_media_type") {}
export class TooManyRequests extends make("too_many_requests") {}
export class Unavailable extends make("unavailable") {}
export class Timeout extends make("timeout") {}
