import { buildSchema, defaultFieldResolver, GraphQLError, type GraphQLFieldResolver } from "graphql";
import { forbidden } from "../graphql/errors.ts";
import type { Context } from "../graphql/context.ts";
import type { AntiAffinityViolation, IsolationVerdict, Mutation, Query, Source, Subscription, Tenant, Workload } from "../graphql/generated/resolvers-types.ts";
import { shownWebhookUrl } from "../notifications/shown-webhook-url.ts";
import { recordAudit, settleAudit } from "./audit-log.ts";
import type { Principal, Role } from "./principal.ts";

/*
 * Who may do what: the one place. Every root field of schema.graphql, and every object field
 * that only operators may read, has a rule here; `guardResolvers` wraps each of those
 * resolvers so the rule runs before it, and the schema cannot start with a root field that
 * has no rule (test/access/access-rules.test.ts).
 *
 * Which *rows* a caller sees is the other half, in access-scope.ts: a tenant caller may call
 * `virtualMachines`, and gets only its own.
 */
interface FieldRule {
  roles: readonly Role[];
  /** Also open to a compliance token limited to saved queries. */
  savedQueries?: true;
  /** A refusal that depends on the arguments (a sync token's sources); null when allowed. */
  check?: (principal: Principal, args: Record<string, unknown>) => string | null;
}

const ALL: readonly Role[] = ["admin", "sync", "compliance", "tenant"];
/** Reads open to tenants, scoped to their own rows by access-scope.ts. */
const READERS: readonly Role[] = ["admin", "compliance", "tenant"];
/** Reads of the whole fleet and its operations: infrastructure, sources, the report, the log. */
const OPERATORS: readonly Role[] = ["admin", "compliance"];
const ADMIN: readonly Role[] = ["admin"];

/** `Type.field` of every field of the given types, from the generated schema types. */
type FieldsOf<Types> = { [T in keyof Types & string]: `${T}.${Exclude<keyof Types[T], "__typename"> & string}` }[keyof Types & string];
/** The fields a rule may name: a rule for a field the schema does not have is a compile error. */
export type RuledField = FieldsOf<{
  Query: Query;
  Mutation: Mutation;
  Subscription: Subscription;
  Source: Source;
  Workload: Workload;
  Tenant: Tenant;
  IsolationVerdict: IsolationVerdict;
  AntiAffinityViolation: AntiAffinityViolation;
}>;
type MutationField = Exclude<keyof Mutation, "__typename">;

export const FIELD_RULES: Partial<Record<RuledField, FieldRule>> = {
  "Query.viewer": { roles: [...ALL, "scheduler"], savedQueries: true },
  "Query.node": { roles: READERS },
  "Query.nodes": { roles: READERS },
  "Query.datacenters": { roles: OPERATORS },
  "Query.powerDomains": { roles: OPERATORS },
  "Query.networkDomains": { roles: OPERATORS },
  "Query.racks": { roles: OPERATORS },
  "Query.hosts": { roles: OPERATORS },
  "Query.datacenter": { roles: OPERATORS },
  "Query.rack": { roles: OPERATORS },
  "Query.host": { roles: OPERATORS },
  "Query.virtualMachines": { roles: READERS },
  "Query.containers": { roles: READERS },
  "Query.tenants": { roles: READERS },
  "Query.workloads": { roles: READERS },
  "Query.virtualMachine": { roles: READERS },
  "Query.container": { roles: READERS },
  "Query.tenant": { roles: READERS },
  "Query.workload": { roles: READERS },
  "Query.sources": { roles: OPERATORS },
  "Query.source": { roles: OPERATORS },
  "Query.syncRuns": { roles: OPERATORS },
  "Query.sourceStatuses": { roles: OPERATORS },
  "Query.isolation": { roles: READERS },
  "Query.isolationReport": { roles: OPERATORS },
  "Query.isolationPolicy": { roles: READERS },
  "Query.isolationPolicyHistory": { roles: OPERATORS },
  "Query.antiAffinityViolations": { roles: READERS },
  "Query.antiAffinityUnverifiable": { roles: READERS },
  "Query.failureImpact": { roles: READERS },
  // A tenant asks for its own workloads and VMs only, and reads redacted reasons (resolvers/placement.ts).
  "Query.placementAdvice": { roles: READERS },
  "Query.auditLog": { roles: OPERATORS },
  "Query.apiTokens": { roles: ADMIN },
  "Query.savedQueries": { roles: OPERATORS, savedQueries: true },
  "Query.savedQuery": { roles: OPERATORS, savedQueries: true },
  "Query.findings": { roles: OPERATORS },
  "Query.finding": { roles: OPERATORS },
  "Query.webhooks": { roles: OPERATORS },
  // Operators only, like `findings`: an event names the other side (its tenant, units, acceptance).
  "Subscription.findingChanged": { roles: OPERATORS },

  "Mutation.syncInventory": {
    roles: ["admin", "sync"],
    check(principal, args) {
      if (principal.role !== "sync") return null;
      const source = (args.snapshot as { source?: unknown } | null)?.source;
      return typeof source === "string" && principal.sources.includes(source) ? null : `this token may push only the sources ${principal.sources.join(", ")}; the snapshot's source is ${JSON.stringify(source ?? null)}`;
    },
  },
  "Mutation.setIsolationPolicy": { roles: ADMIN },
  "Mutation.setAntiAffinityRules": { roles: ADMIN },
  "Mutation.createApiToken": { roles: ADMIN },
  "Mutation.revokeApiToken": { roles: ADMIN },
  "Mutation.saveQuery": { roles: OPERATORS },
  "Mutation.runSavedQuery": { roles: OPERATORS, savedQueries: true },
  "Mutation.acceptFinding": { roles: OPERATORS },
  "Mutation.createWebhook": { roles: OPERATORS },
  "Mutation.deleteWebhook": { roles: OPERATORS },

  // Fleet-wide answers reachable from an object a tenant may see.
  "Source.syncRuns": { roles: OPERATORS },
  "Source.status": { roles: OPERATORS },
  "Workload.exposure": { roles: OPERATORS },
  "Tenant.exposure": { roles: OPERATORS },
  // A finding's evidence names the other side's units: operators only (a tenant sees since and acceptedUntil).
  "IsolationVerdict.finding": { roles: OPERATORS },
  "AntiAffinityViolation.finding": { roles: OPERATORS },
};

/** Who may read the HTTP routes beside /graphql that need a caller (/healthz and /readyz need none). */
export const ROUTE_ROLES: Record<"/metrics" | "/chatops" | "/scheduler", readonly Role[]> = {
  "/metrics": OPERATORS,
  // kube-scheduler's extender and the admission webhook (scheduler-routes.ts): read-only placement answers.
  "/scheduler": ["admin", "scheduler"],
  // Each command then runs through the field rules above as the caller.
  "/chatops": ALL,
};

/** What each mutation acts on, for the audit log. */
const AUDIT_TARGET: Record<MutationField, (args: Record<string, unknown>) => unknown> = {
  syncInventory: (args) => (args.snapshot as { source?: unknown } | null)?.source,
  setIsolationPolicy: () => "isolation-policy",
  setAntiAffinityRules: (args) => args.workload,
  createApiToken: (args) => (args.input as { name?: unknown } | null)?.name,
  revokeApiToken: (args) => args.name,
  saveQuery: (args) => args.name,
  runSavedQuery: (args) => args.name,
  acceptFinding: (args) => args.id,
  createWebhook: (args) => {
    const input = args.input as { url?: unknown; format?: string | null } | null;
    return typeof input?.url === "string" ? shownWebhookUrl(input.url, input.format) : null;
  },
  deleteWebhook: (args) => args.id,
};

/** Arguments worth keeping in the audit log (a snapshot is far too big; its source is the target). */
const AUDIT_DETAIL: Partial<Record<MutationField, (args: Record<string, unknown>) => Record<string, unknown>>> = {
  acceptFinding: (args) => ({ reason: args.reason, until: args.until }),
  syncInventory: (args) => ({ allowMassRemoval: args.allowMassRemoval ?? false, complete: (args.snapshot as { complete?: unknown } | null)?.complete ?? null }),
  createApiToken: (args) => {
    const { name: _, ...rest } = (args.input ?? {}) as Record<string, unknown>;
    return rest;
  },
};

/** Refuses when the rule does not allow the caller; null when it does. */
export function refusal(rule: FieldRule, coordinate: string, ctx: Pick<Context, "principal" | "trustedDocument">, args: Record<string, unknown>): string | null {
  const { principal } = ctx;
  if (!rule.roles.includes(principal.role)) return `a ${principal.role} token may not use ${coordinate}`;
  if (principal.savedQueriesOnly && !ctx.trustedDocument && !rule.savedQueries) {
    return `this token may only list and run saved queries (savedQueries, runSavedQuery), not ${coordinate}`;
  }
  return rule.check?.(principal, args) ?? null;
}

/** The rule for a field coordinate (`Type.field`), if it has one. */
export function ruleFor(coordinate: string): FieldRule | undefined {
  return Object.hasOwn(FIELD_RULES, coordinate) ? FIELD_RULES[coordinate as RuledField] : undefined;
}

const auditTarget = (field: string, args: Record<string, unknown>) => (Object.hasOwn(AUDIT_TARGET, field) ? stringOrNull(AUDIT_TARGET[field as MutationField](args)) : null);
const auditDetail = (field: string, args: Record<string, unknown>) => (Object.hasOwn(AUDIT_DETAIL, field) ? (AUDIT_DETAIL[field as MutationField]?.(args) ?? {}) : {});

type ResolverMap = Record<string, object>;
type AnyResolver = GraphQLFieldResolver<unknown, Context, Record<string, unknown>>;

/**
 * Wraps every resolver that has a rule so that the rule runs first; mutations also write the
 * audit log (REFUSED when the payload carries userErrors, ERROR when it throws, OK), and every
 * denial, read or mutation, goes to the aggregated denial log (denial-log.ts).
 */
export function guardResolvers<T extends ResolverMap>(resolvers: T): T {
  const guarded: ResolverMap = { ...resolvers };
  for (const [coordinate, rule] of Object.entries(FIELD_RULES) as [RuledField, FieldRule][]) {
    const [type, field] = coordinate.split(".");
    const fields: Record<string, unknown> = { ...(guarded[type] ?? {}) };
    if (type === "Subscription") {
      fields[field] = guardedSubscription(rule, coordinate, fields[field] as { subscribe: AnyResolver });
      guarded[type] = fields;
      continue;
    }
    const resolve = (fields[field] as AnyResolver | undefined) ?? defaultFieldResolver;
    fields[field] = type === "Mutation" ? guardedMutation(rule, coordinate, field, resolve) : guardedRead(rule, coordinate, resolve);
    guarded[type] = fields;
  }
  return guarded as T;
}

/** A subscription: refused (and recorded) at subscribe time when the rule does not allow the caller. */
function guardedSubscription(rule: FieldRule, coordinate: string, { subscribe, ...rest }: { subscribe: AnyResolver }) {
  return {
    ...rest,
    subscribe: ((parent, args, ctx, info) => {
      const denied = refusal(rule, coordinate, ctx, args);
      return denied ? denyRead(ctx, coordinate, denied) : subscribe(parent, args, ctx, info);
    }) satisfies AnyResolver,
  };
}

/** A read: refused (and recorded) when the rule does not allow the caller; an allowed read stays synchronous. */
function guardedRead(rule: FieldRule, coordinate: string, resolve: AnyResolver): AnyResolver {
  return (parent, args, ctx, info) => {
    const denied = refusal(rule, coordinate, ctx, args);
    // An allowed read stays synchronous; a denied one is recorded, then refused.
    return denied ? denyRead(ctx, coordinate, denied) : resolve(parent, args, ctx, info);
  };
}

/** A mutation: refused and recorded, or audited PENDING before it runs and settled after. */
function guardedMutation(rule: FieldRule, coordinate: string, field: string, resolve: AnyResolver): AnyResolver {
  return async (parent, args: Record<string, unknown>, ctx, info) => {
    const denied = refusal(rule, coordinate, ctx, args);
    if (denied) {
      await ctx.denials.note({
        actor: ctx.principal.actor,
        role: ctx.principal.role,
        action: field,
        subject: coordinate,
        target: auditTarget(field, args),
        detail: { ...auditDetail(field, args), reason: denied },
      });
      throw forbidden(denied);
    }
    // Logged before it runs, settled after: a crash in between leaves a PENDING trace.
    const event = await recordAudit(ctx.db.sql, ctx.principal, { action: field, target: auditTarget(field, args), outcome: "PENDING", detail: auditDetail(field, args) });
    let payload: { userErrors?: { message: string }[] };
    try {
      payload = (await resolve(parent, args, ctx, info)) as typeof payload;
    } catch (error) {
      // The audit log is read by clients (admin, compliance): only our own coded errors are
      // words for them; anything else (a database's text) stays in the service's log.
      const said = error instanceof GraphQLError && error.extensions?.code ? error.message : "internal error (see the service log)";
      await settleAudit(ctx.db.sql, event, "ERROR", { error: said });
      throw error;
    }
    const userErrors = payload?.userErrors ?? [];
    await settleAudit(ctx.db.sql, event, userErrors.length > 0 ? "REFUSED" : "OK", userErrors.length > 0 ? { userErrors } : undefined);
    return payload;
  };
}

/** Records a denied read (aggregated, denial-log.ts) and refuses it with FORBIDDEN. */
export async function denyRead(ctx: Pick<Context, "principal" | "denials">, coordinate: string, reason: string): Promise<never> {
  await ctx.denials.note({ actor: ctx.principal.actor, role: ctx.principal.role, action: "read", subject: coordinate, target: coordinate, detail: { reason } });
  throw forbidden(reason);
}

const stringOrNull = (value: unknown) => (typeof value === "string" ? value : value == null ? null : String(value));

/** Root fields of the schema that have no rule: the server refuses to start while any exists. */
export function unruledRootFields(typeDefs: string): string[] {
  const schema = buildSchema(typeDefs);
  return [schema.getQueryType(), schema.getMutationType()].flatMap((type) => (type ? Object.keys(type.getFields()).map((field) => `${type.name}.${field}`) : [])).filter((coordinate) => !ruleFor(coordinate));
}
