import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import { DEFAULT_LIMITS, loadLimits } from "../src/request-limits.ts";

describe("the limits, from the environment", () => {
  it("takes each bound, per role where it is per role, and keeps the defaults for the rest", () => {
    const limits = loadLimits({ TENANCY_COST_BUDGET_TENANT: "5000", TENANCY_MAX_DEPTH: "8", TENANCY_RATE_LIMIT_ADMIN: "100", TENANCY_MAX_BODY_BYTES: "1048576" });
    expect(limits.costBudget).toEqual({ ...DEFAULT_LIMITS.costBudget, tenant: 5000 });
    expect(limits.maxDepth).toBe(8);
    expect(limits.requestsPerSecond.admin).toBe(100);
    // The old single body limit is the sync role's; TENANCY_MAX_BODY_BYTES_SYNC wins over it.
    expect(limits.bodyBytes).toEqual({ ...DEFAULT_LIMITS.bodyBytes, sync: 1048576 });
    expect(loadLimits({ TENANCY_MAX_BODY_BYTES: "10", TENANCY_MAX_BODY_BYTES_SYNC: "20" }).bodyBytes.sync).toBe(20);
    expect(loadLimits({ TENANCY_MAX_SUBSCRIPTIONS_PER_CONNECTION: "2", TENANCY_MAX_SUBSCRIPTIONS_PER_TOKEN: "7" })).toMatchObject({ maxSubscriptionsPerConnection: 2, maxSubscriptionsPerToken: 7 });
    expect(loadLimits({ TENANCY_MAX_WS_MESSAGE_BYTES: "4096" }).maxWebSocketMessageBytes).toBe(4096);
    expect(loadLimits({})).toEqual(DEFAULT_LIMITS);
  });

  it("refuses a bound that is not a whole number, or 0 where 0 would refuse everything", () => {
    expect(() => loadConfig({ TENANCY_DEADLINE_MS_TENANT: "soon" })).toThrow(new ConfigError('TENANCY_DEADLINE_MS_TENANT must be a whole number, got "soon"'));
    expect(() => loadConfig({ TENANCY_MAX_DEPTH: "0" })).toThrow("TENANCY_MAX_DEPTH must be at least 1");
    expect(loadConfig({ TENANCY_RATE_LIMIT_TENANT: "0" }).limits.requestsPerSecond.tenant).toBe(0);
  });

  it("refuses a time longer than node's longest timer, which would fire at once and time out every request", () => {
    expect(() => loadConfig({ TENANCY_DEADLINE_MS_ADMIN: "2147483648" })).toThrow(new ConfigError("TENANCY_DEADLINE_MS_ADMIN must be at most 2147483647 (about 24 days), got 2147483648"));
    expect(() => loadConfig({ TENANCY_BODY_TIMEOUT_MS_SYNC: "9999999999" })).toThrow("TENANCY_BODY_TIMEOUT_MS_SYNC must be at most 2147483647");
    expect(() => loadConfig({ TENANCY_HEADERS_TIMEOUT_MS: "9999999999" })).toThrow("TENANCY_HEADERS_TIMEOUT_MS must be at most 2147483647");
    expect(loadConfig({ TENANCY_DEADLINE_MS_SYNC: "2147483647" }).limits.deadlineMs.sync).toBe(2147483647);
  });

  it("turns introspection and field suggestions off in production", () => {
    expect(loadConfig({}).introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: "production" }).introspection).toBe(false);
  });
});
