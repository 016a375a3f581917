import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import { MAX_RETENTION_DAYS, retentionHorizon } from "../src/history/prune-history.ts";

/*
 * Variables whose every value used to be taken: a misspelt one must stop the start with the
 * variable's name (exit 3), not crash in the logger or quietly do the opposite.
 */
describe("the configuration, from the environment", () => {
  it("takes LOG_LEVEL only as one of pino's levels", () => {
    expect(loadConfig({ LOG_LEVEL: "debug" }).logLevel).toBe("debug");
    expect(loadConfig({}).logLevel).toBe("info");
    expect(() => loadConfig({ LOG_LEVEL: "loud" })).toThrow(new ConfigError('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'));
  });

  it('takes TENANCY_DEMO only as on or off: a "false" or "0" must not load the demo into a new database', () => {
    expect(loadConfig({}).loadDemoOnCreate).toBe(true);
    expect(loadConfig({ TENANCY_DEMO: "off" }).loadDemoOnCreate).toBe(false);
    expect(loadConfig({ TENANCY_DEMO: "OFF" }).loadDemoOnCreate).toBe(false);
    expect(() => loadConfig({ TENANCY_DEMO: "false" })).toThrow(new ConfigError('TENANCY_DEMO must be on or off, got "false"'));
  });

  it("takes TENANCY_HISTORY_RETENTION_DAYS from 0 (keep it all) to 100 years: 1e9 days put the pruner's horizon before any date", () => {
    expect(loadConfig({}).historyRetentionDays).toBe(365);
    expect(loadConfig({ TENANCY_HISTORY_RETENTION_DAYS: "0" }).historyRetentionDays).toBe(0);
    expect(loadConfig({ TENANCY_HISTORY_RETENTION_DAYS: "36500" }).historyRetentionDays).toBe(36_500);
    const range = "TENANCY_HISTORY_RETENTION_DAYS must be from 0 (keep all history) to 36500 (100 years)";
    expect(() => loadConfig({ TENANCY_HISTORY_RETENTION_DAYS: "1e9" })).toThrow(new ConfigError(`${range}, got "1e9"`));
    expect(() => loadConfig({ TENANCY_HISTORY_RETENTION_DAYS: "36501" })).toThrow(new ConfigError(`${range}, got "36501"`));
    expect(() => loadConfig({ TENANCY_HISTORY_RETENTION_DAYS: "-1" })).toThrow(new ConfigError('TENANCY_HISTORY_RETENTION_DAYS must be a whole number, got "-1"'));
    // The longest one taken is a horizon the pruner can write; the one refused was none.
    expect(retentionHorizon(MAX_RETENTION_DAYS).toISOString()).toMatch(/^19\d\d-/);
    expect(() => retentionHorizon(1e9).toISOString()).toThrow(RangeError);
  });
});
