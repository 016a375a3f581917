import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { ROLES, type Principal, type Role } from "../access/principal.ts";
import type { RequestLimits } from "../request-limits.ts";

/*
 * Per-token request rates (rate-limiter-flexible, in memory: each replica counts its own
 * requests, so N replicas behind a balancer allow up to N times the rate), and a cap on how
 * often one address may fail to authenticate, so guessing tokens is slow and cheap to refuse.
 * Each check answers null (go on) or how many seconds to wait (the 429's Retry-After).
 */
export class RateLimits {
  private readonly perRole: Partial<Record<Role, RateLimiterMemory>> = {};
  private readonly failures: RateLimiterMemory | null;

  constructor(limits: RequestLimits) {
    for (const role of ROLES) {
      const points = limits.requestsPerSecond[role];
      if (points > 0) this.perRole[role] = new RateLimiterMemory({ keyPrefix: role, points, duration: 1 });
    }
    const perMinute = limits.unauthenticatedPerMinute;
    this.failures = perMinute > 0 ? new RateLimiterMemory({ keyPrefix: "unauthenticated", points: perMinute, duration: 60 }) : null;
  }

  /** Counts one request of this caller; a token is counted by its actor (one per token). */
  async request(caller: Principal): Promise<number | null> {
    const limiter = this.perRole[caller.role];
    return limiter ? waitOf(limiter.consume(caller.actor)) : null;
  }

  /** Whether an address has failed to authenticate too often lately (checked before the token is looked up). */
  async blockedAddress(address: string): Promise<number | null> {
    if (!this.failures) return null;
    const state = await this.failures.get(address);
    return state && state.consumedPoints >= this.failures.points ? retryAfter(state) : null;
  }

  /** Counts one failed authentication from an address. */
  async failedAuthentication(address: string): Promise<void> {
    if (this.failures) await waitOf(this.failures.consume(address));
  }
}

async function waitOf(consumed: Promise<RateLimiterRes>): Promise<number | null> {
  try {
    await consumed;
    return null;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return retryAfter(rejection);
    throw rejection;
  }
}

const retryAfter = (state: RateLimiterRes) => Math.max(1, Math.ceil(state.msBeforeNext / 1000));
