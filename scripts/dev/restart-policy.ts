/**
 * When the dev runner brings a dead process back, and when it stops trying. Modelled on what compose and
 * Kubernetes do for a container (restart with a doubling delay, forget the delay once it has run a while),
 * with systemd's start limit for a process that never once came up.
 */
export interface RestartPolicy {
  /** Delay before the first restart of a streak; each further restart doubles it... */
  firstDelayMs: number;
  /** ...up to this. */
  maxDelayMs: number;
  /** Ready for this long, the process counts as healthy again: the next crash restarts after firstDelayMs. */
  stableAfterMs: number;
  /**
   * Exits in a row before it was ready that make a crash loop: the runner reports it and stops trying.
   * The same settings and code would fail again; a crash after it was ready is always restarted.
   */
  failedStartsLimit: number;
  /** Not ready after this long: the runner says so once and keeps waiting (it kills nothing for it). */
  readyWarningMs: number;
}

export const restartPolicy: RestartPolicy = {
  firstDelayMs: 500,
  maxDelayMs: 30_000,
  stableAfterMs: 30_000,
  failedStartsLimit: 5,
  readyWarningMs: 60_000,
};

/** The wait before restart number `restart` (1, 2, ...) of a streak: 0.5 s, 1 s, 2 s ... 30 s. */
export const delayBefore = (restart: number, policy: RestartPolicy): number =>
  Math.min(policy.firstDelayMs * 2 ** Math.max(0, restart - 1), policy.maxDelayMs);

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
