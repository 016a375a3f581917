/**
 * The tenancy scale (../shared/contract.md, "The tenancy scale"): the strongest boundary that
 * separates two things, weakest first. The order of this array is the order of the scale.
 */
export const ISOLATION_LEVELS = [
  "PROCESS",
  "CONTAINER",
  "SANDBOX",
  "VIRTUAL_MACHINE",
  "HOST",
  "RACK",
  "DATACENTER",
  "HAZARD_ZONE",
  "PLANET",
] as const;

export type IsolationLevel = (typeof ISOLATION_LEVELS)[number];

export function isIsolationLevel(value: unknown): value is IsolationLevel {
  return typeof value === "string" && (ISOLATION_LEVELS as readonly string[]).includes(value);
}

/** The levels an anti-affinity rule spreads replicas over (contract, "Anti-affinity"). */
export const ANTI_AFFINITY_LEVELS = [
  "HOST",
  "RACK",
  "POWER_DOMAIN",
  "NETWORK_DOMAIN",
  "DATACENTER",
  "HAZARD_ZONE",
  "PLANET",
] as const;

export type AntiAffinityLevel = (typeof ANTI_AFFINITY_LEVELS)[number];

export const ANTI_AFFINITY_MODES = ["HARD", "SOFT"] as const;
export type AntiAffinityMode = (typeof ANTI_AFFINITY_MODES)[number];
