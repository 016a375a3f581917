import { getNamedType, getNullableType, isLeafType, isListType, type DocumentNode, type GraphQLSchema } from "graphql";
import { getComplexity, type ComplexityEstimatorArgs } from "graphql-query-complexity";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./pagination.ts";

/*
 * What an operation costs before it runs (graphql-query-complexity walks the document; this
 * file only prices fields). The unit is about one object read and shaped:
 *
 * - a scalar costs 0, an object field 1 plus what is selected under it;
 * - a connection costs `first` (default 50) times what is selected under it, `evidence` its
 *   `limit` (default 5), `nodes(ids:)` one per id, and any other list of objects the number of
 *   items it is expected to hold at most (LIST_SIZE);
 * - fields that walk the fleet to answer add what they walk (FIELD_WORK): a verdict passes over
 *   the unit pairs of a workload and a tenant, a what-if over the replicas in the failing
 *   domain (more the wider the level), the report and exposure lists over many verdicts;
 * - a field given `asOf` adds PAST_MOMENT_WORK: its moment may need a whole past inventory
 *   read and indexed (src/history/past-views.ts; a request asks for a few distinct moments at most).
 *
 * Each role's budget is in src/request-limits.ts.
 */
type Args = Record<string, unknown>;

/** Work beyond the objects returned, by `Type.field`. */
export const FIELD_WORK: Record<string, number | ((args: Args) => number)> = {
  "Query.isolation": 1_000,
  "Workload.isolation": 1_000,
  "Workload.exposure": 10_000,
  "Tenant.exposure": 10_000,
  "Query.isolationReport": 20_000,
  "Query.antiAffinityViolations": 2_000,
  "Query.antiAffinityUnverifiable": 2_000,
  "Workload.antiAffinityAudit": 100,
  "Workload.survives": 1_000,
  // Each candidate is a verdict against the units of its datacenter, both ways: a region's hosts are many.
  "Query.placementAdvice": (args) => PLACEMENT_WORK * candidateCount(args.candidates),
  "Workload.spread": 100,
  "Query.failureImpact": (args) => FAILURE_WORK[String(args.level)] ?? FAILURE_WORK.PLANET,
  "Mutation.syncInventory": 5_000,
  "Mutation.runSavedQuery": 1_000,
  "SavedQueryRun.diff": 1_000,
};

const PLACEMENT_WORK = 1_000;

/** Reading and indexing the inventory of a past moment, about as much as the report. */
export const PAST_MOMENT_WORK = 10_000;

/** Named candidates count one each; "anywhere" in a datacenter or a region stands for many hosts. */
function candidateCount(candidates: unknown): number {
  const c = (candidates ?? {}) as Record<string, unknown>;
  const listed = ["hosts", "virtualMachines", "kubernetesNodes"].reduce((n, k) => n + (Array.isArray(c[k]) ? (c[k] as unknown[]).length : 0), 0);
  return Math.max(1, listed + (c.anywhereInDatacenter != null ? 20 : 0) + (c.anywhereInRegion != null ? 60 : 0));
}

/** A what-if walks every replica in the failing domain: a host holds few, a planet all. */
const FAILURE_WORK: Record<string, number> = {
  HOST: 100,
  RACK: 500,
  POWER_DOMAIN: 1_000,
  NETWORK_DOMAIN: 1_000,
  DATACENTER: 5_000,
  HAZARD_ZONE: 10_000,
  PLANET: 10_000,
};

/** Lists of objects without paging: at most this many items are expected (default 10). */
export const LIST_SIZE: Record<string, number> = {
  "Workload.exposure": 100,
  "Tenant.exposure": 100,
  "FailureImpact.workloads": 200,
  "Query.antiAffinityUnverifiable": 100,
  "Query.isolationPolicyHistory": 50,
  "Query.sourceStatuses": 50,
  "Workload.replicas": 50,
  "ReplicaSpread.domains": 50,
  "ReplicaSpread.unverifiable": 50,
  "DomainReplicas.replicas": 50,
  "AntiAffinityViolation.replicas": 50,
  "SavedQueryRunDiff.appeared": 100,
  "SavedQueryRunDiff.disappeared": 100,
  "SavedQueryRunDiff.changed": 100,
};
const DEFAULT_LIST_SIZE = 10;

function fieldCost({ type, field, args, childComplexity }: ComplexityEstimatorArgs): number {
  const name = `${type.name}.${field.name}`;
  if (isLeafType(getNamedType(field.type))) return 0;
  const work = FIELD_WORK[name];
  const extra = (typeof work === "function" ? work(args) : (work ?? 0)) + (args.asOf != null ? PAST_MOMENT_WORK : 0);
  return 1 + extra + times(name, type.name, field, args) * childComplexity;
}

/** How many times the selection under a field is paid for. */
function times(name: string, typeName: string, field: ComplexityEstimatorArgs["field"], args: Args): number {
  if (field.args.some((a) => a.name === "first")) return count(args.first, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  if (field.args.some((a) => a.name === "limit")) return count(args.limit, 5, 100);
  if (Array.isArray(args.ids)) return args.ids.length;
  // A connection's nodes and edges, and an edge's node: the connection already paid `first`.
  if (typeName.endsWith("Connection") || typeName.endsWith("Edge")) return 1;
  return isListType(getNullableType(field.type)) ? (LIST_SIZE[name] ?? DEFAULT_LIST_SIZE) : 1;
}

/** A page size or limit as the resolver will take it; a wrong one is refused there, priced at the most here. */
function count(value: unknown, fallback: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  return Number.isInteger(value) && (value as number) >= 0 ? Math.min(value as number, max) : max;
}

/** The cost of the operation a request runs (the one named, or the document's only one). */
export function queryCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined): number {
  return getComplexity({ schema, query: document, variables: variables ?? {}, operationName, estimators: [fieldCost] });
}
