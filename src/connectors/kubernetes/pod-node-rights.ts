/*
 * Whether a pod has its node's rights, so that it has no container wall of its own
 * (docs/separation.md, "A privileged container"): a privileged container (init and ephemeral
 * ones too: what ran with the node's rights once may have changed the node), the node's PID or
 * IPC namespace, a hostPath volume (the node's files), a Windows HostProcess container, or a
 * capability that reaches past the container. hostNetwork alone is not counted: it shares the
 * node's network, not its kernel's processes or files (a decision, written in the docs).
 */

/**
 * Capabilities that break out of a runc container: mounts and namespaces (SYS_ADMIN), kernel
 * modules, raw devices, reading the node's files by handle ("shocker"), eBPF, and all of them.
 */
const NODE_CAPABILITIES = new Set(["SYS_ADMIN", "SYS_MODULE", "SYS_RAWIO", "DAC_READ_SEARCH", "BPF", "ALL"]);

interface SecurityContext {
  privileged?: unknown;
  capabilities?: { add?: unknown };
  windowsOptions?: { hostProcess?: unknown };
}

interface PodSpecRights {
  hostPID?: unknown;
  hostIPC?: unknown;
  volumes?: unknown;
  securityContext?: SecurityContext;
  containers?: unknown;
  initContainers?: unknown;
  ephemeralContainers?: unknown;
}

/**
 * What of the pod takes its container wall (scale.ts `ContainerRights`, without the runtime):
 * read once here for the connector's records and the scheduler's replicas alike.
 */
export function podRights(spec: Record<string, unknown> | undefined): { privileged: boolean; nodeFiles: boolean } {
  return { privileged: podHasNodeRights(spec), nodeFiles: mountsNodeFiles(spec) };
}

/** True when the pod (its spec as the API shows it) has its node's rights. */
export function podHasNodeRights(spec: Record<string, unknown> | undefined): boolean {
  const pod = (spec ?? {}) as PodSpecRights;
  if (pod.hostPID === true || pod.hostIPC === true || mountsNodeFiles(spec)) return true;
  if (pod.securityContext?.windowsOptions?.hostProcess === true) return true;
  const containers = [pod.containers, pod.initContainers, pod.ephemeralContainers].flatMap(listOf);
  return containers.some((container) => isObject(container) && contextHasNodeRights(container.securityContext as SecurityContext | undefined));
}

/**
 * True when the pod has a hostPath volume: the node's files, whatever its runtime (a micro-VM
 * gets them shared in from the node), so its snapshot record's `nodeFiles`.
 */
export function mountsNodeFiles(spec: Record<string, unknown> | undefined): boolean {
  return listOf((spec as PodSpecRights | undefined)?.volumes).some((volume) => isObject(volume) && volume.hostPath != null);
}

function contextHasNodeRights(context: SecurityContext | undefined): boolean {
  if (!context) return false;
  if (context.privileged === true || context.windowsOptions?.hostProcess === true) return true;
  // The runtime takes a capability with or without its CAP_ prefix, in any case.
  return listOf(context.capabilities?.add).some((cap) => typeof cap === "string" && NODE_CAPABILITIES.has(cap.toUpperCase().replace(/^CAP_/, "")));
}

const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
