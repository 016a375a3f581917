import { pino } from "pino";
import type { Config } from "../../src/config.ts";
import { DEFAULT_LIMITS } from "../../src/request-limits.ts";
import { startService, type RunningService } from "../../src/service.ts";

/** The whole service in-process on a random loopback port, over a test database. */
export async function startTestService(databaseUrl: string, overrides: Partial<Config> = {}): Promise<RunningService> {
  const config: Config = {
    port: 0,
    host: "127.0.0.1",
    databaseUrl,
    dataDir: "unused",
    adminToken: undefined,
    logLevel: "silent",
    // Suites fire probes back to back, on shared machines: rate limits are off and deadlines
    // long unless a test sets them (test/http/*-limits.test.ts do).
    limits: {
      ...DEFAULT_LIMITS,
      requestsPerSecond: { admin: 0, compliance: 0, tenant: 0, sync: 0, scheduler: 0 },
      unauthenticatedPerMinute: 0,
      deadlineMs: { admin: 120_000, compliance: 120_000, tenant: 120_000, sync: 300_000, scheduler: 120_000 },
    },
    introspection: true,
    graphiql: true,
    publicUrl: undefined,
    loadDemoOnCreate: false,
    slackSigningSecret: undefined,
    chatopsAccess: { users: {}, channels: {} },
    sources: [],
    metrics: true,
    historyRetentionDays: 365,
    webhookAllowNetworks: [],
    ...overrides,
  };
  return startService(config, pino({ level: config.logLevel }));
}
