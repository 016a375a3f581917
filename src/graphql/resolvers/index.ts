import type { ComputeUnitResolvers, NodeResolvers, Resolvers } from "../generated/resolvers-types.ts";
import { typeNameOf } from "../inventory-types.ts";
import { Container, Datacenter, DatacenterDescription, Host, NetworkDomain, PowerDomain, Rack, Tenant, VirtualMachine, Workload } from "./inventory.ts";
import { IsolationEvidence, isolationMutations, isolationQueries, IsolationVerdict, SharedThing, tenantIsolationFields, workloadIsolationFields } from "./isolation.ts";
import { AntiAffinityRuleAudit, AntiAffinityViolation, antiAffinityMutations, antiAffinityQueries, FailureImpact, UnverifiableReplica, workloadAntiAffinityFields, WorkloadFailureImpact, WorkloadSurvival } from "./anti-affinity.ts";
import { accessMutations, accessQueries, ApiToken, Role, Viewer } from "./access.ts";
import { complianceMutations, complianceQueries, SavedQuery, SavedQueryRun } from "./compliance.ts";
import { Finding, findingMutations, findingQueries, Subscription, verdictFindingFields, violationFindingFields } from "./findings.ts";
import { Mutation } from "./mutation.ts";
import { PlacementAdvice, PlacementCandidate, placementQueries } from "./placement.ts";
import { Webhook, webhookMutations, webhookQueries } from "./webhooks.ts";
import { Query } from "./query.ts";
import { DateTime, JSON } from "./scalars.ts";
import { Source, SourceStatus, sourceStatusQueries, SyncRun } from "./sync.ts";

/** The object types an interface's `__resolveType` may answer. */
type TypeNames<R extends { __resolveType?: (...args: never[]) => unknown }> = NonNullable<Awaited<ReturnType<NonNullable<R["__resolveType"]>>>>;

/** Every resolver of schema.graphql, by type, checked against the generated resolver types. */
export const resolvers: Resolvers = {
  Query: { ...Query, ...isolationQueries, ...antiAffinityQueries, ...accessQueries, ...complianceQueries, ...sourceStatusQueries, ...placementQueries, ...findingQueries, ...webhookQueries },
  Mutation: { ...Mutation, ...isolationMutations, ...antiAffinityMutations, ...accessMutations, ...complianceMutations, ...findingMutations, ...webhookMutations },
  Subscription,
  Viewer,
  ApiToken,
  Role,
  SavedQuery,
  SavedQueryRun,
  AntiAffinityViolation: { ...AntiAffinityViolation, ...violationFindingFields },
  Finding,
  Webhook,
  UnverifiableReplica,
  AntiAffinityRuleAudit,
  FailureImpact,
  WorkloadFailureImpact,
  WorkloadSurvival,
  IsolationVerdict: { ...IsolationVerdict, ...verdictFindingFields },
  IsolationEvidence,
  SharedThing,
  PlacementAdvice,
  PlacementCandidate,
  JSON,
  DateTime,
  // Rows carry __typename (see inventory-types.ts `typed`), set where they are loaded.
  Node: { __resolveType: (row) => typeNameOf<TypeNames<NodeResolvers>>(row) },
  ComputeUnit: { __resolveType: (row) => typeNameOf<TypeNames<ComputeUnitResolvers>>(row) },
  Datacenter,
  DatacenterDescription,
  PowerDomain,
  NetworkDomain,
  Rack,
  Host,
  VirtualMachine,
  Container,
  Tenant: { ...Tenant, ...tenantIsolationFields },
  Workload: { ...Workload, ...workloadIsolationFields, ...workloadAntiAffinityFields },
  Source,
  SourceStatus,
  SyncRun,
};
