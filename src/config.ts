/**
 * The service's configuration, read once from the environment. Every variable is listed in
 * the README ("Configuration").
 */
export interface Config {
  port: number;
  /** The address to listen on; loopback when no admin token is configured. */
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  adminToken: string | undefined;
  logLevel: string;
  maxBodyBytes: number;
  /** Load the demo inventory into a newly created embedded database. */
  loadDemoOnCreate: boolean;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = wholeNumber(env, "PORT", 4000);
  if (port > 65535) throw new ConfigError(`PORT must be at most 65535, got ${port}`);
  const adminToken = env.TENANCY_ADMIN_TOKEN?.trim() || undefined;
  if (adminToken && adminToken.length < 16) throw new ConfigError("TENANCY_ADMIN_TOKEN must be at least 16 characters long");
  return {
    port,
    // Without a token nothing authenticates requests, so only this machine may reach us.
    host: adminToken ? (env.HOST ?? "0.0.0.0") : "127.0.0.1",
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    dataDir: env.TENANCY_DATA_DIR?.trim() || ".tenancy-data",
    adminToken,
    logLevel: env.LOG_LEVEL ?? "info",
    maxBodyBytes: wholeNumber(env, "TENANCY_MAX_BODY_BYTES", 256 * 1024 * 1024),
    loadDemoOnCreate: env.TENANCY_DEMO !== "off",
  };
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  return value;
}
