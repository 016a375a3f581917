import type { AccessScope } from "../../access/access-scope.ts";
import { placementAdvice, type AdviceWorkload } from "../../domain/placement-advice.ts";
import { resolveCandidates, type CandidateRequest } from "../../domain/placement-candidates.ts";
import type { CandidatePlace, ReplicaKind } from "../../domain/placement-overlay.ts";
import type { IsolationLevel } from "../../domain/scale.ts";
import { checkRules } from "../../inventory/validate-snapshot.ts";
import { buildTopology } from "../../domain/build-topology.ts";
import type { IsolationView } from "../../isolation/isolation-index.ts";
import type { SqlClient } from "../../db/sql-client.ts";
import { kubernetesNodeUnits } from "../../inventory/kubernetes-nodes.ts";
import { badUserInput, notFound } from "../errors.ts";
import type { PlacementAdviceResolvers, PlacementCandidateResolvers, QueryResolvers } from "../generated/resolvers-types.ts";
import { connectionFromRows, pageRequest } from "../pagination.ts";
import { requireVisibleWorkload } from "./visible-workload.ts";

/*
 * placementAdvice: resolve the workload and the candidates against the request's view of the
 * index, ask the domain (src/domain/placement-advice.ts), shape the page. A tenant caller is
 * held to its own workloads and its own VMs, and gets the reasons redacted.
 */
interface DescribedInput {
  name?: string | null;
  tenant: string;
  minimumIsolation?: IsolationLevel | null;
  antiAffinity?: Record<string, unknown>[] | null;
}
interface AdviceArgs {
  workload?: string | null;
  describe?: DescribedInput | null;
  candidates: CandidateRequest;
  replica?: { kind: "CONTAINER" | "VIRTUAL_MACHINE"; runtime?: string | null; privileged?: boolean | null; nodeFiles?: boolean | null } | null;
}

const KIND = { host: "HOST", virtualMachine: "VIRTUAL_MACHINE", datacenter: "DATACENTER" } as const;

/** The workload to place, synced or described; the caller's scope applies to both. */
export function adviceWorkload(view: IsolationView, scope: AccessScope, args: Pick<AdviceArgs, "workload" | "describe">): AdviceWorkload {
  if ((args.workload == null) === (args.describe == null)) throw badUserInput("give exactly one of workload and describe", args.workload == null ? "workload" : "describe");
  if (args.workload != null) {
    requireVisibleWorkload(view, scope, args.workload);
    const node = view.topology.workloads.get(args.workload)!;
    return { key: node.key, tenant: node.tenant, minimumIsolation: node.minimumIsolation, antiAffinity: node.antiAffinity };
  }
  const d = args.describe!;
  if (scope.tenant !== null && d.tenant !== scope.tenant) throw notFound(`no tenant "${d.tenant}" has been synced`);
  const name = d.name ?? "new workload";
  if (view.topology.workloads.has(name)) throw badUserInput(`"${name}" is a synced workload: ask with workload: "${name}"`, "describe.name");
  const plain = (d.antiAffinity ?? []).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null && v !== undefined)));
  const problems: string[] = [];
  const rules = checkRules(plain, ["describe", "antiAffinity"], (path, message) => problems.push(`${path.join(".")}: ${message}`));
  if (!rules) throw badUserInput(problems.join("; "), "describe.antiAffinity");
  return { key: name, tenant: d.tenant, minimumIsolation: d.minimumIsolation ?? null, antiAffinity: rules };
}

/** The candidates; a tenant caller may name only its own VMs (anything else reads as not synced). */
export function advicePlaces(view: IsolationView, scope: AccessScope, request: CandidateRequest, nodeUnits: ReadonlyMap<string, CandidatePlace> = new Map()): CandidatePlace[] {
  if (scope.tenant !== null) refuseHiddenCandidates(view, scope, request, nodeUnits);
  const { places, unknown } = resolveCandidates(view.topology, request, nodeUnits);
  if (unknown.length > 0) throw badUserInput(unknown.map((u) => u.message).join("; "), `candidates.${unknown[0].field}`);
  if (places.length === 0) throw badUserInput("name at least one candidate place", "candidates");
  return places;
}

const NOTHING_SYNCED = buildTopology({});

/**
 * For a tenant caller, each named candidate that is not its own VM gets, word for word, the
 * error of a name nobody synced: probing learns nothing of hosts or other tenants' VMs.
 */
function refuseHiddenCandidates(view: IsolationView, scope: AccessScope, request: CandidateRequest, nodeUnits: ReadonlyMap<string, CandidatePlace>) {
  const asked: [keyof CandidateRequest, string][] = [
    ...(["hosts", "virtualMachines", "kubernetesNodes"] as const).flatMap((field) => (request[field] ?? []).map((name) => [field, name] as [keyof CandidateRequest, string])),
    ...(["anywhereInDatacenter", "anywhereInRegion"] as const).filter((field) => request[field] != null).map((field) => [field, request[field]!] as [keyof CandidateRequest, string]),
  ];
  for (const [field, name] of asked) {
    const one = { [field]: Array.isArray(request[field]) ? [name] : name } as CandidateRequest;
    const { places } = resolveCandidates(view.topology, one, nodeUnits);
    const own = places.length > 0 && places.every((p) => p.kind === "virtualMachine" && scope.ownsUnit(view.topology, { kind: "virtualMachine", key: p.key }));
    if (!own) throw badUserInput(resolveCandidates(NOTHING_SYNCED, one).unknown[0].message, `candidates.${field}`);
  }
}

/** The named nodes as the named Kubernetes source last synced them (one statement; none without a source). */
async function listedNodes(sql: SqlClient, request: CandidateRequest): Promise<Map<string, CandidatePlace>> {
  if (!request.kubernetesSource || !request.kubernetesNodes?.length) return new Map();
  return kubernetesNodeUnits(sql, request.kubernetesSource, request.kubernetesNodes);
}

export function replicaKind(replica: AdviceArgs["replica"], place: CandidatePlace): ReplicaKind | undefined {
  if (!replica) return undefined;
  if (replica.kind === "VIRTUAL_MACHINE") {
    // A container's walls asked of a VM would be dropped unread: the answer would not be about the replica meant.
    if (replica.runtime != null || replica.privileged || replica.nodeFiles) throw badUserInput("runtime, privileged and nodeFiles describe a container replica; a VM replica has its own wall", "replica.kind");
    if (place.kind === "virtualMachine") throw badUserInput(`a VM replica goes on a host or in a datacenter, not in VM ${place.key}`, "replica.kind");
    return { kind: "virtualMachine" };
  }
  if (place.kind === "datacenter") throw badUserInput(`a container replica needs a VM or a host, not somewhere in datacenter ${place.key}`, "replica.kind");
  return { kind: "container", runtime: replica.runtime ?? "runc", privileged: replica.privileged ?? false, nodeFiles: replica.nodeFiles ?? false };
}

export const placementQueries: QueryResolvers = {
  async placementAdvice(_, args, ctx) {
    const view = await ctx.isolation();
    await view.warmed(); // replicas and shared places, built in slices after the index is published
    const workload = adviceWorkload(view, ctx.scope, args);
    const places = advicePlaces(view, ctx.scope, args.candidates, await listedNodes(ctx.db.sql, args.candidates));
    // One replica kind for every place when asked; checked against each place before any work.
    places.forEach((p) => replicaKind(args.replica, p));
    const replica = args.replica ? (p: CandidatePlace) => replicaKind(args.replica, p)! : undefined;
    const advice = placementAdvice(view.topology, view.policy, workload, places, { replica, redactOthers: ctx.scope.redactsOthers });
    return { workload, policyVersion: view.policy.version, advice };
  },
};

export const PlacementAdvice: PlacementAdviceResolvers = {
  workloadKey: (a) => a.workload.key,
  tenantKey: (a) => a.workload.tenant,
  provenCount: (a) => a.advice.filter((c) => c.outcome === "PROVEN").length,
  possibleCount: (a) => a.advice.filter((c) => c.outcome === "POSSIBLE").length,
  refusedCount: (a) => a.advice.filter((c) => c.outcome === "REFUSED").length,
  candidates: (a, args) => {
    const page = pageRequest(args);
    const start = page.after === null ? 0 : Number(page.after) + 1;
    if (!Number.isInteger(start) || start < 0) throw badUserInput("not a cursor of these candidates", "after");
    const rows = a.advice.slice(start, start + page.size + 1).map((c, i) => ({ ...c, position: start + i }));
    return connectionFromRows(rows, page, (r) => r.position, a.advice.length);
  },
};

export const PlacementCandidate: PlacementCandidateResolvers = {
  kind: (c) => KIND[c.place.kind],
  key: (c) => c.place.key,
  closestActual: (c) => c.closest?.actual ?? null,
  closestPossible: (c) => c.closest?.possible ?? null,
};
