import { pino } from "pino";
import type { Config } from "../../src/config.ts";
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
    maxBodyBytes: 10 * 1024 * 1024,
    loadDemoOnCreate: false,
    slackSigningSecret: undefined,
    chatopsAccess: { users: {}, channels: {} },
    sources: [],
    ...overrides,
  };
  return startService(config, pino({ level: config.logLevel }));
}
