import { Container, Datacenter, DatacenterDescription, Host, NetworkDomain, PowerDomain, Rack, Tenant, VirtualMachine, Workload } from "./inventory.ts";
import { IsolationEvidence, isolationMutations, isolationQueries, IsolationVerdict, SharedThing, tenantIsolationFields, workloadIsolationFields } from "./isolation.ts";
import {
  AntiAffinityRuleAudit,
  AntiAffinityViolation,
  antiAffinityMutations,
  antiAffinityQueries,
  FailureImpact,
  UnverifiableReplica,
  workloadAntiAffinityFields,
  WorkloadFailureImpact,
  WorkloadSurvival,
} from "./anti-affinity.ts";
import { accessMutations, accessQueries, ApiToken, Role, Viewer } from "./access.ts";
import { complianceMutations, complianceQueries, SavedQuery, SavedQueryRun } from "./compliance.ts";
import { Finding, findingMutations, findingQueries, Subscription, verdictFindingFields, violationFindingFields } from "./findings.ts";
import { Mutation } from "./mutation.ts";
import { PlacementAdvice, PlacementCandidate, placementQueries } from "./placement.ts";
import { Webhook, webhookMutations, webhookQueries } from "./webhooks.ts";
import { Query } from "./query.ts";
import { DateTime, JSON } from "./scalars.ts";
import { Source, SourceStatus, sourceStatusQueries, SyncRun } from "./sync.ts";

/** Every resolver of schema.graphql, by type. */
export const resolvers = {
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
  Node: { __resolveType: (row: { __typename: string }) => row.__typename },
  ComputeUnit: { __resolveType: (row: { __typename: string }) => row.__typename },
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
