import type { BackoffPolicy } from "./triggers";

/**
 * The wait before retry number `retry` (1, 2, ...), as the CloudEvents SDK computes it for a Knative delivery
 * spec: exponential = delay * 2^retry, linear = delay * retry. With PT0.2S and 5 exponential retries the waits
 * are 0.4, 0.8, 1.6, 3.2 and 6.4 s: about 12 s before an event is dead-lettered.
 */
export function backoffMs(policy: BackoffPolicy, delayMs: number, retry: number): number {
  return policy === "exponential" ? delayMs * 2 ** retry : delayMs * retry;
}

/** Statuses the RabbitMQ broker retries (knative SelectiveRetry); every other answer counts as done. 0 = no answer. */
export function isRetryable(status: number): boolean {
  return status === 0 || status >= 500 || [404, 408, 409, 429].includes(status);
}
