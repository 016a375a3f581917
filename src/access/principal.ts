/*
 * Who is calling: resolved once per request at the HTTP boundary (a bearer token, the bootstrap
 * admin token, a Slack user) and carried in the GraphQL context. Every access decision reads it
 * (src/access/access-rules.ts); nothing else decides who may do what.
 */
/** `scheduler`: kube-scheduler's extender and the admission webhook (src/http/scheduler-routes.ts); no GraphQL beyond `viewer`. */
export const ROLES = ["admin", "sync", "compliance", "tenant", "scheduler"] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** For the audit log: "token:ci-sync", "bootstrap-admin", "slack:U024BE7LH", "anonymous". */
  actor: string;
  role: Role;
  /** The one tenant a `tenant` principal is bound to; null for every other role. */
  tenant: string | null;
  /** The sources a `sync` principal may push; empty for every other role. */
  sources: readonly string[];
  /** The kinds a `sync` principal's snapshots may carry; empty: every kind (src/inventory/sync-grant.ts). */
  kinds: readonly string[];
  /** The tenants whose objects a `sync` principal's snapshots may carry; empty: every tenant. */
  tenants: readonly string[];
  /** Limited to saved queries (trusted documents): may list and run them, nothing else. */
  savedQueriesOnly: boolean;
}

export function principal(actor: string, role: Role, extra: Partial<Pick<Principal, "tenant" | "sources" | "kinds" | "tenants" | "savedQueriesOnly">> = {}): Principal {
  return {
    actor,
    role,
    tenant: extra.tenant ?? null,
    sources: extra.sources ?? [],
    kinds: extra.kinds ?? [],
    tenants: extra.tenants ?? [],
    savedQueriesOnly: extra.savedQueriesOnly ?? false,
  };
}

/** The bootstrap admin of the contract: whoever holds TENANCY_ADMIN_TOKEN. */
export const BOOTSTRAP_ADMIN = principal("bootstrap-admin", "admin");

/** With no token configured and none created, the server binds to loopback and trusts its caller. */
export const LOOPBACK_ADMIN = principal("anonymous", "admin");
