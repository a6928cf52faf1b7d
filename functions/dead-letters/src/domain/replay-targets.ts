/**
 * Where a replay may go. A dead letter names the subscriber that failed (knativeerrordest), but anyone who can
 * POST to the intake writes that attribute: replaying to it blindly would let them make this function POST
 * wherever they like. So a replay goes only to an origin from config: a subscribing function's <NAME>_URL
 * or the broker (K_SINK).
 */
export interface ReplayTargets {
  /** Why `target` may not be replayed to; undefined when it may. */
  refusal(target: string): string | undefined;
}

export function createReplayTargets(allowedUrls: readonly string[]): ReplayTargets {
  const allowed = [...new Set(allowedUrls.map((url) => new URL(url).origin))];
  return {
    refusal(target) {
      let origin: string;
      try {
        origin = new URL(target).origin;
      } catch {
        return `${target} is not a URL`;
      }
      return allowed.includes(origin)
        ? undefined
        : `${origin} is not a configured subscriber or broker (replays go only to ${allowed.join(", ")})`;
    },
  };
}
