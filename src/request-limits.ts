import { ROLES, type Role } from "./access/principal.ts";

/*
 * Every bound on what one request may ask of the service, declared once: the GraphQL shape
 * limits (checked before anything runs), the cost budgets, the deadline, and the transport
 * limits. Each can be changed from the environment; the README ("Limits") lists them and what a
 * caller sees when it hits one. Per-role values take TENANCY_<NAME>_<ROLE> (e.g.
 * TENANCY_COST_BUDGET_TENANT); 0 turns a rate limit off.
 */
export interface RequestLimits {
  /** Deepest field nesting of a document (Relay's edges/node count as levels). */
  maxDepth: number;
  /** Aliased fields in a document: the way one request asks for the same field many times. */
  maxAliases: number;
  /** Directives in a document. */
  maxDirectives: number;
  /** Lexical tokens in a document; the parser stops there, so a huge document costs little. */
  maxTokens: number;
  /** Cost budget of one operation per role (src/graphql/query-cost.ts prices the fields). */
  costBudget: Record<Role, number>;
  /** Time a request may take from its first byte of body to its answer, per role. */
  deadlineMs: Record<Role, number>;
  /** Largest request body per role: sync pushes snapshots, everyone else sends queries. */
  bodyBytes: Record<Role, number>;
  /** Time to receive the whole body per role: a body trickled in slower than this is dropped. */
  bodyTimeoutMs: Record<Role, number>;
  /** Time to receive a request's headers (node:http's headersTimeout). */
  headersTimeoutMs: number;
  /** Open connections at once; more are closed as they arrive (node:http's maxConnections). */
  maxConnections: number;
  /** Requests per second per token (by role); over it a caller gets 429 with Retry-After. 0: no limit. */
  requestsPerSecond: Record<Role, number>;
  /** Requests per minute from one address that present no valid token (401s, guesses). */
  unauthenticatedPerMinute: number;
  /** Live subscriptions on one WebSocket connection (graphql-ws); each also counts as a request against the rate. */
  maxSubscriptionsPerConnection: number;
  /** Live subscriptions of one token over all its connections to a replica. */
  maxSubscriptionsPerToken: number;
  /**
   * Largest WebSocket message (graphql-ws), for every caller: its token comes inside the first
   * message, so this bound holds before anyone is known (ws's own default is 100 MiB each).
   */
  maxWebSocketMessageBytes: number;
}

const KIB = 1024;
const MIB = 1024 * KIB;

/** The defaults, and what each environment variable overrides. */
export const DEFAULT_LIMITS: RequestLimits = {
  maxDepth: 15,
  maxAliases: 30,
  maxDirectives: 20,
  maxTokens: 2000,
  // The README's nested rack query (rack → 50 hosts → 50 VMs → 50 containers) prices at
  // about 260,000: fine for operators; a tenant's view is a tenant, its workloads and units.
  costBudget: { admin: 1_000_000, compliance: 1_000_000, tenant: 100_000, sync: 100_000, scheduler: 100_000 },
  // A sync of a large snapshot takes minutes; everything else answers in well under a second.
  deadlineMs: { admin: 15_000, compliance: 15_000, tenant: 10_000, sync: 300_000, scheduler: 10_000 },
  // A scheduler sends every candidate Node in full when its extender is not nodeCacheCapable.
  bodyBytes: { admin: 1 * MIB, compliance: 256 * KIB, tenant: 64 * KIB, sync: 256 * MIB, scheduler: 64 * MIB },
  bodyTimeoutMs: { admin: 10_000, compliance: 10_000, tenant: 10_000, sync: 120_000, scheduler: 10_000 },
  headersTimeoutMs: 10_000,
  maxConnections: 1024,
  // Admins (the operator, the bench, the embedded demo) are not limited unless told to be.
  // kube-scheduler asks once per pod and verb; a burst of pods is normal.
  requestsPerSecond: { admin: 0, compliance: 20, tenant: 20, sync: 5, scheduler: 200 },
  unauthenticatedPerMinute: 60,
  // A dashboard subscribes to a few filters; an operator's tools to a few dozen.
  maxSubscriptionsPerConnection: 20,
  maxSubscriptionsPerToken: 100,
  // A subscribe message is a small document and its variables (as a tenant's body over HTTP).
  maxWebSocketMessageBytes: 64 * KIB,
};

export class LimitsError extends Error {}

/** The limits from the environment: TENANCY_MAX_DEPTH, TENANCY_COST_BUDGET_TENANT, … */
export function loadLimits(env: NodeJS.ProcessEnv): RequestLimits {
  const d = DEFAULT_LIMITS;
  return {
    maxDepth: positive(env, "TENANCY_MAX_DEPTH", d.maxDepth),
    maxAliases: whole(env, "TENANCY_MAX_ALIASES", d.maxAliases),
    maxDirectives: whole(env, "TENANCY_MAX_DIRECTIVES", d.maxDirectives),
    maxTokens: positive(env, "TENANCY_MAX_TOKENS", d.maxTokens),
    costBudget: perRole(env, "TENANCY_COST_BUDGET", d.costBudget, positive),
    deadlineMs: perRole(env, "TENANCY_DEADLINE_MS", d.deadlineMs, milliseconds),
    // TENANCY_MAX_BODY_BYTES was the one body limit before roles had their own: it stays sync's.
    bodyBytes: perRole(env, "TENANCY_MAX_BODY_BYTES", { ...d.bodyBytes, sync: positive(env, "TENANCY_MAX_BODY_BYTES", d.bodyBytes.sync) }, positive),
    bodyTimeoutMs: perRole(env, "TENANCY_BODY_TIMEOUT_MS", d.bodyTimeoutMs, milliseconds),
    headersTimeoutMs: milliseconds(env, "TENANCY_HEADERS_TIMEOUT_MS", d.headersTimeoutMs),
    maxConnections: positive(env, "TENANCY_MAX_CONNECTIONS", d.maxConnections),
    requestsPerSecond: perRole(env, "TENANCY_RATE_LIMIT", d.requestsPerSecond, whole),
    unauthenticatedPerMinute: whole(env, "TENANCY_UNAUTHENTICATED_PER_MINUTE", d.unauthenticatedPerMinute),
    maxSubscriptionsPerConnection: positive(env, "TENANCY_MAX_SUBSCRIPTIONS_PER_CONNECTION", d.maxSubscriptionsPerConnection),
    maxSubscriptionsPerToken: positive(env, "TENANCY_MAX_SUBSCRIPTIONS_PER_TOKEN", d.maxSubscriptionsPerToken),
    maxWebSocketMessageBytes: positive(env, "TENANCY_MAX_WS_MESSAGE_BYTES", d.maxWebSocketMessageBytes),
  };
}

type Reader = (env: NodeJS.ProcessEnv, name: string, fallback: number) => number;

function perRole(env: NodeJS.ProcessEnv, prefix: string, fallback: Record<Role, number>, read: Reader): Record<Role, number> {
  return Object.fromEntries(ROLES.map((role) => [role, read(env, `${prefix}_${role.toUpperCase()}`, fallback[role])])) as Record<Role, number>;
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new LimitsError(`${name} must be a whole number, got "${raw}"`);
  return value;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = whole(env, name, fallback);
  if (value === 0) throw new LimitsError(`${name} must be at least 1`);
  return value;
}

/** Node's longest timer: a longer one fires at once (TimeoutOverflowWarning), so every request would time out. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = positive(env, name, fallback);
  if (value > LONGEST_TIMER_MS) throw new LimitsError(`${name} must be at most ${LONGEST_TIMER_MS} (about 24 days), got ${value}`);
  return value;
}
