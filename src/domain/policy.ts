import { stronger, type IsolationLevel } from "./scale.ts";
import type { Topology } from "./topology.ts";

/*
 * The isolation policy: how much separation a workload needs from a tenant, by how the two
 * relate. The contract's default: same tenant PROCESS, same organization CONTAINER, different
 * organization VIRTUAL_MACHINE. Operators change it (versioned, stored in the database).
 */
export type Relationship = "SAME_TENANT" | "SAME_ORGANIZATION" | "OTHER_ORGANIZATION";

export interface Policy {
  /** 0 is the built-in default; every change an operator makes is a new version. */
  version: number;
  sameTenant: IsolationLevel;
  sameOrganization: IsolationLevel;
  otherOrganization: IsolationLevel;
}

export const DEFAULT_POLICY: Policy = {
  version: 0,
  sameTenant: "PROCESS",
  sameOrganization: "CONTAINER",
  otherOrganization: "VIRTUAL_MACHINE",
};

/**
 * How the workload's tenant relates to the other tenant. A tenant nobody has synced has no
 * known organization, so it is treated as another organization: the strictest reading.
 */
export function relationship(topology: Topology, workloadTenant: string, tenant: string): Relationship {
  const organization = (key: string) => topology.tenants.get(key)?.organization ?? null;
  return relationshipOf(workloadTenant === tenant, organization(workloadTenant), organization(tenant), null);
}

/**
 * The same from the two tenants' organizations, whatever stands for one (a name, a number) and
 * for none known (`unknown`, which is nobody's organization): for what reads the organizations
 * once per tenant rather than per pair.
 */
export function relationshipOf<T>(sameTenant: boolean, workloadOrganization: T, organization: T, unknown: T): Relationship {
  if (sameTenant) return "SAME_TENANT";
  return workloadOrganization !== unknown && workloadOrganization === organization ? "SAME_ORGANIZATION" : "OTHER_ORGANIZATION";
}

export function policyLevel(policy: Policy, rel: Relationship): IsolationLevel {
  return rel === "SAME_TENANT" ? policy.sameTenant : rel === "SAME_ORGANIZATION" ? policy.sameOrganization : policy.otherOrganization;
}

/** Required: the stronger of the policy's level and the workload's own minimum. */
export function requiredLevel(policy: Policy, rel: Relationship, minimumIsolation: IsolationLevel | null): IsolationLevel {
  const level = policyLevel(policy, rel);
  return minimumIsolation ? stronger(level, minimumIsolation) : level;
}
