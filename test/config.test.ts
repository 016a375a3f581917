import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

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
});
