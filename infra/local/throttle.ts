/**
 * API Gateway's route throttling (a route's ThrottlingRateLimit and ThrottlingBurstLimit), for the local front.
 */

/** Route-level throttling limits, named as in API Gateway's route settings. */
export interface RouteThrottle {
  /** Steady-state requests per second the bucket is refilled with; fractions allowed. */
  rateLimitPerSecond: number;
  /** How many requests the bucket holds, and so the largest burst served at once; a whole number. */
  burstLimit: number;
}

/**
 * API Gateway's throttling algorithm: a bucket of up to `burstLimit` tokens, full at the start and
 * refilled continuously at `rateLimitPerSecond`; each request served takes one whole token.
 */
export class TokenBucket {
  private readonly ratePerMs: number;
  private readonly capacity: number;
  private tokens: number;
  private refilledAt: number;

  constructor(throttle: RouteThrottle, routeKey: string) {
    const { rateLimitPerSecond, burstLimit } = throttle;
    if (!Number.isFinite(rateLimitPerSecond) || rateLimitPerSecond < 0) {
      throw new Error(`Route ${routeKey}: throttle.rateLimitPerSecond must be a number of at least 0`);
    }
    if (!Number.isSafeInteger(burstLimit) || burstLimit < 0) {
      throw new Error(`Route ${routeKey}: throttle.burstLimit must be a whole number of at least 0`);
    }
    this.ratePerMs = rateLimitPerSecond / 1000;
    this.capacity = burstLimit;
    this.tokens = burstLimit;
    this.refilledAt = performance.now();
  }

  /** Takes a token if there is one; a refused request takes nothing. */
  tryTake(now = performance.now()): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.refilledAt) * this.ratePerMs);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
