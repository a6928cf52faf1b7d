export {
  createBreaker,
  isBreakerOpen,
  isBreakerTimeout,
  UpstreamStatusError,
  type BreakerOptions,
  type CircuitBreaker,
} from "./breaker";
