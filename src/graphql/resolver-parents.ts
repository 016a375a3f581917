import type { ApiToken } from "../access/api-tokens.ts";
import type { Principal, Role } from "../access/principal.ts";
import type { SavedQueryVersion } from "../compliance/saved-queries.ts";
import type { SavedQueryRun } from "../compliance/saved-query-runs.ts";
import type { FailureImpact, Survival } from "../domain/failure-impact.ts";
import type { UnitRef } from "../domain/topology.ts";
import type { RuleAudit, Violation } from "../domain/anti-affinity.ts";
import type { WorkloadImpact } from "../domain/failure-impact.ts";
import type { SharedThing as Shared } from "../domain/separation.ts";
import type { EvidencePair, Verdict } from "../domain/verdict.ts";
import type { IsolationView } from "../isolation/isolation-index.ts";
import type { SourceStatusRow } from "../connectors/source-status.ts";
import type { DatacenterDescriptionRow, InventoryRow, SourceRow, SyncRunRow } from "./inventory-types.ts";
import type { Connection } from "./pagination.ts";
import type { FindingChanged } from "../findings/finding-feed.ts";
import type { FindingEventRow, FindingRow } from "../findings/finding-store.ts";
import type { DeliveryRow, WebhookRow } from "../notifications/webhook-store.ts";
import type { AdviceWorkload, CandidateAdvice } from "../domain/placement-advice.ts";
import type { AntiAffinityLevel } from "../domain/scale.ts";

/*
 * What each GraphQL object type's resolvers receive as their parent: the row or domain object
 * it is loaded as, rather than the schema's output shape. codegen.ts maps the schema's types to
 * these (GraphQL Code Generator's mappers), so src/graphql/generated/resolvers-types.ts checks
 * every resolver against them.
 */

/** Inventory objects as the loaders select them (Prisma's model of each table). */
export type DatacenterParent = InventoryRow<"datacenters">;
export type PowerDomainParent = InventoryRow<"powerDomains">;
export type NetworkDomainParent = InventoryRow<"networkDomains">;
export type RackParent = InventoryRow<"racks">;
export type HostParent = InventoryRow<"hosts">;
export type VirtualMachineParent = InventoryRow<"virtualMachines">;
export type ContainerParent = InventoryRow<"containers">;
export type TenantParent = InventoryRow<"tenants">;
export type WorkloadParent = InventoryRow<"workloads">;
export type DatacenterDescriptionParent = DatacenterDescriptionRow;
export type SourceParent = SourceRow;
/** A sync run row, with the counts as columns. */
export type SyncRunParent = SyncRunRow;
export type SourceStatusParent = SourceStatusRow;
/** A verdict, with the request's view of the index it was computed on (for its evidence's shared things). */
export type VerdictParent = Verdict & { view: IsolationView };
/** A verdict's pair, with that view. */
export type EvidenceParent = EvidencePair & { view: IsolationView };
/** A shared thing as shown: its kind and key, or only its kind when redacted for a tenant. */
export type SharedThingParent = { kind: string; key: string | null; shared: Shared; redacted?: boolean };
export type ViewerParent = Principal;
/** Any page: its node type is checked where the page is built (connectionFromRows). */
export type ConnectionParent = Connection<unknown>;
export type ViolationParent = Violation;
export type RuleAuditParent = RuleAudit;
export type WorkloadImpactParent = WorkloadImpact;
/** A role as stored and as Principal carries it (lower case); GraphQL's Role enum maps to it. */
export type RoleValue = Role;
export type ApiTokenParent = ApiToken;
/** A saved query: its newest version. */
export type SavedQueryParent = SavedQueryVersion;
export type SavedQueryRunParent = SavedQueryRun;
export type FailureImpactParent = FailureImpact;
export type WorkloadSurvivalParent = Survival;
/** A replica whose domain is unknown, with its workload and rule. */
export type UnverifiableReplicaParent = { workload: string; replica: UnitRef; reason: string } & Record<string, unknown>;
/** A compute unit as loaded (a host, VM or container row). */
type UnitRow = InventoryRow<"hosts" | "virtualMachines" | "containers">;
/** A workload's replicas over one level's domains; the units are loaded lazily, only when asked. */
export type ReplicaSpreadParent = { level: AntiAffinityLevel; domains: DomainReplicasParent[]; unverifiable: Promise<UnitRow[]> };
export type DomainReplicasParent = { domain: string; replicaCount: number; replicas: Promise<UnitRow[]> };
export type FindingParent = FindingRow;
export type FindingEventParent = FindingEventRow;
export type FindingChangedParent = FindingChanged;
export type WebhookParent = WebhookRow;
export type WebhookDeliveryParent = DeliveryRow;
/** Placement advice as resolvers/placement.ts shapes it: the workload, the policy version, each candidate's advice. */
export type PlacementAdviceParent = { workload: AdviceWorkload; policyVersion: number; advice: CandidateAdvice[] };
/** A candidate's advice, with its position in the list (the cursor) once paged. */
export type PlacementCandidateParent = CandidateAdvice & { position?: number };
