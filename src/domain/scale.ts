/*
 * The tenancy scale (docs/tenancy-scale.md): the strongest boundary that
 * separates two things, weakest first. The order of this array is the order of the scale.
 */
export const ISOLATION_LEVELS = ["PROCESS", "CONTAINER", "SANDBOX", "VIRTUAL_MACHINE", "HOST", "RACK", "DATACENTER", "HAZARD_ZONE", "PLANET"] as const;

export type IsolationLevel = (typeof ISOLATION_LEVELS)[number];

export function isIsolationLevel(value: unknown): value is IsolationLevel {
  return typeof value === "string" && (ISOLATION_LEVELS as readonly string[]).includes(value);
}

/** The levels an anti-affinity rule spreads replicas over (contract, "Anti-affinity"). */
export const ANTI_AFFINITY_LEVELS = ["HOST", "RACK", "POWER_DOMAIN", "NETWORK_DOMAIN", "DATACENTER", "HAZARD_ZONE", "PLANET"] as const;

export type AntiAffinityLevel = (typeof ANTI_AFFINITY_LEVELS)[number];

export const ANTI_AFFINITY_MODES = ["HARD", "SOFT"] as const;
export type AntiAffinityMode = (typeof ANTI_AFFINITY_MODES)[number];

/** Position on the scale: PROCESS 0 … PLANET 8. */
const RANKS = Object.fromEntries(ISOLATION_LEVELS.map((level, i) => [level, i])) as Record<IsolationLevel, number>;

export function rank(level: IsolationLevel): number {
  return RANKS[level];
}

/** The weaker of two levels. */
export function weaker(a: IsolationLevel, b: IsolationLevel): IsolationLevel {
  return rank(a) <= rank(b) ? a : b;
}

/** The stronger of two levels. */
export function stronger(a: IsolationLevel, b: IsolationLevel): IsolationLevel {
  return rank(a) >= rank(b) ? a : b;
}

/** True when `a` is at least as strong as `b`. */
export function atLeast(a: IsolationLevel, b: IsolationLevel): boolean {
  return rank(a) >= rank(b);
}

/**
 * The wall a runtime gives a container: a user-space kernel (gVisor) is a SANDBOX, a micro-VM
 * (Kata, Firecracker) a VIRTUAL_MACHINE, anything else (runc, crun, …) a CONTAINER.
 */
export function runtimeBoundary(runtime: string): IsolationLevel {
  switch (runtime.toLowerCase()) {
    case "gvisor":
    case "runsc":
      return "SANDBOX";
    case "kata":
    case "firecracker":
      return "VIRTUAL_MACHINE";
    default:
      return "CONTAINER";
  }
}

/** What of a container decides its wall: its runtime, and the node's rights or files it has. */
export interface ContainerRights {
  runtime: string;
  /** Has its node's rights (privileged, host namespaces, SYS_ADMIN…). */
  privileged: boolean;
  /** Mounts its node's files (a hostPath volume). */
  nodeFiles: boolean;
}

/** Why a container has no wall of its own: its node's rights, or its node's files. */
export type WallTaker = "privileged" | "nodeFiles";

/**
 * What takes a container's own wall away, or null: the one place that decides it
 * (docs/separation.md, "A privileged container" and "A container with its node's files").
 * A privileged one (host namespaces, node mounts, full capabilities) has its node's rights:
 * under runc-class runtimes it shares its node's kernel with them. In a micro-VM the rights
 * stop at the micro-VM's own kernel. Under gVisor they do not: a host path is served to the
 * sandbox from the node's files, and whether a privileged sandbox is refused or confined
 * depends on runsc's version and flags, which no snapshot shows. The node's files reach past
 * every runtime: a micro-VM gets them shared in from the node (virtio-fs), so what the pod
 * writes there, the node and every other pod on it read.
 */
export function wallTakenBy(container: ContainerRights): WallTaker | null {
  if (container.privileged && runtimeBoundary(container.runtime) !== "VIRTUAL_MACHINE") return "privileged";
  return container.nodeFiles ? "nodeFiles" : null;
}

/** The wall of a container: its runtime's, or PROCESS (none of its own) when `wallTakenBy` says what takes it. */
export function containerWall(container: ContainerRights): IsolationLevel {
  return wallTakenBy(container) ? "PROCESS" : runtimeBoundary(container.runtime);
}
