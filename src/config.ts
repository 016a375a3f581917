import { readFileSync } from "node:fs";
import { NO_CHATOPS_ACCESS, parseChatopsAccess, type ChatopsAccess } from "./chatops/chatops-access.ts";
import { loadSourcesConfig, SourcesConfigError, type ScheduledSource } from "./connectors/sources-config.ts";
import { parseAllowedNetworks, WebhookAddressError } from "./notifications/webhook-address.ts";
import { MAX_RETENTION_DAYS } from "./history/prune-history.ts";
import { LimitsError, loadLimits, type RequestLimits } from "./request-limits.ts";

/*
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
  /** Every bound on a request: shape, cost, deadline, body, connections, rate (src/request-limits.ts). */
  limits: RequestLimits;
  /** Schema introspection and "Did you mean" suggestions; off when NODE_ENV=production. */
  introspection: boolean;
  /** GraphiQL for browsers at GET /graphql (Accept: text/html); TENANCY_GRAPHIQL, on by default outside production. */
  graphiql: boolean;
  /** TENANCY_PUBLIC_URL: the address people reach the web view at (no trailing slash); chat answers link to it. */
  publicUrl: string | undefined;
  /** Load the demo inventory into a newly created embedded database. */
  loadDemoOnCreate: boolean;
  /** Slack's signing secret for /chatops/slack; the route is off without it. */
  slackSigningSecret: string | undefined;
  /** Which Slack users and channels act with which role. */
  chatopsAccess: ChatopsAccess;
  /** Sources `serve` syncs on a schedule (TENANCY_SOURCES, a sources.yaml). */
  sources: ScheduledSource[];
  /** /metrics and the per-request metrics; TENANCY_METRICS=off drops both (for the bench's comparison). */
  metrics: boolean;
  /** How many days of history `asOf` answers for (TENANCY_HISTORY_RETENTION_DAYS); 0 keeps it all. */
  historyRetentionDays: number;
  /** TENANCY_WEBHOOK_ALLOW_NETWORKS: the internal networks (CIDRs) webhooks may post to; none by default. */
  webhookAllowNetworks: string[];
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
    logLevel: logLevel(env.LOG_LEVEL?.trim()),
    limits: requestLimits(env),
    introspection: env.NODE_ENV !== "production",
    graphiql: onOff(env, "TENANCY_GRAPHIQL", env.NODE_ENV !== "production"),
    publicUrl: publicUrl(env.TENANCY_PUBLIC_URL?.trim()),
    loadDemoOnCreate: onOff(env, "TENANCY_DEMO", true),
    slackSigningSecret: env.TENANCY_SLACK_SIGNING_SECRET?.trim() || undefined,
    chatopsAccess: chatopsAccess(env.TENANCY_CHATOPS_ACCESS?.trim()),
    sources: scheduledSources(env),
    metrics: onOff(env, "TENANCY_METRICS", true),
    historyRetentionDays: historyRetentionDays(env),
    webhookAllowNetworks: webhookAllowNetworks(env.TENANCY_WEBHOOK_ALLOW_NETWORKS),
  };
}

/** pino's levels: any other value made the logger throw at start, past the configuration's errors. */
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function logLevel(value: string | undefined): string {
  if (!value) return "info";
  if (!LOG_LEVELS.includes(value)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${value}"`);
  return value;
}

function publicUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`TENANCY_PUBLIC_URL must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(`TENANCY_PUBLIC_URL must be http or https, got ${url.protocol}`);
  if (url.search || url.hash) throw new ConfigError("TENANCY_PUBLIC_URL must not carry a query or fragment");
  return url.href.replace(/\/+$/, "");
}

function webhookAllowNetworks(value: string | undefined): string[] {
  try {
    return parseAllowedNetworks(value);
  } catch (error) {
    if (error instanceof WebhookAddressError) throw new ConfigError(`TENANCY_WEBHOOK_ALLOW_NETWORKS: ${error.message}`);
    throw error;
  }
}

function requestLimits(env: NodeJS.ProcessEnv): RequestLimits {
  try {
    return loadLimits(env);
  } catch (error) {
    if (error instanceof LimitsError) throw new ConfigError(error.message);
    throw error;
  }
}

/** TENANCY_CHATOPS_ACCESS: inline JSON, or the path of a file holding it. */
function chatopsAccess(value: string | undefined): ChatopsAccess {
  if (!value) return NO_CHATOPS_ACCESS;
  try {
    if (value.startsWith("{")) return parseChatopsAccess(value, "TENANCY_CHATOPS_ACCESS");
    let text: string;
    try {
      text = readFileSync(value, "utf8");
    } catch (error) {
      throw new Error(`TENANCY_CHATOPS_ACCESS names ${value}, which cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    return parseChatopsAccess(text, value);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw !== "on" && raw !== "off") throw new ConfigError(`${name} must be on or off, got "${env[name]}"`);
  return raw === "on";
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  return value;
}

function historyRetentionDays(env: NodeJS.ProcessEnv): number {
  const days = wholeNumber(env, "TENANCY_HISTORY_RETENTION_DAYS", 365);
  if (days > MAX_RETENTION_DAYS) {
    throw new ConfigError(`TENANCY_HISTORY_RETENTION_DAYS must be from 0 (keep all history) to ${MAX_RETENTION_DAYS} (100 years), got "${env.TENANCY_HISTORY_RETENTION_DAYS}"`);
  }
  return days;
}

function scheduledSources(env: NodeJS.ProcessEnv): ScheduledSource[] {
  const file = env.TENANCY_SOURCES?.trim();
  if (!file) return [];
  try {
    return loadSourcesConfig(file, env);
  } catch (error) {
    if (error instanceof SourcesConfigError) throw new ConfigError(`TENANCY_SOURCES: ${error.message}`);
    throw error;
  }
}
