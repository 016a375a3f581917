import type { K8sObject } from "../connectors/kubernetes/map-kubernetes.ts";
import type { ConnectorOptions } from "../connectors/connector.ts";
import type { Policy } from "../domain/policy.ts";
import type { Topology } from "../domain/topology.ts";
import { extenderScore, podAdvice, type NodeRef } from "./pod-placement.ts";

/*
 * kube-scheduler's extender protocol (k8s.io/kube-scheduler/extender/v1): both verbs take
 * ExtenderArgs {Pod, Nodes (a NodeList, when nodeCacheCapable is false), NodeNames (when it is
 * true)}; filter answers an ExtenderFilterResult, prioritize a HostPriorityList of scores from
 * 0 to 10. The Go types carry no JSON tags, so the fields are capitalised; Go reads them in any
 * case, and so do we.
 */
export interface ExtenderArgs {
  pod: K8sObject;
  /** The NodeList's items when the scheduler sent whole nodes; null when it sent names. */
  nodes: K8sObject[] | null;
  nodeNames: string[] | null;
}

export class ExtenderArgsError extends Error {}

/** A field of a Go-encoded object, whatever the case of its name (encoding/json matches case-insensitively). */
function field(object: Record<string, unknown>, name: string): unknown {
  if (name in object) return object[name];
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : object[key];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export function parseExtenderArgs(body: unknown): ExtenderArgs {
  if (!isObject(body)) throw new ExtenderArgsError("the body is not an ExtenderArgs object");
  const pod = field(body, "Pod");
  if (!isObject(pod) || !isObject(pod.metadata)) throw new ExtenderArgsError("ExtenderArgs.Pod is missing or has no metadata");
  const nodes = field(body, "Nodes");
  const names = field(body, "NodeNames");
  if (nodes != null) {
    const items = isObject(nodes) ? nodes.items : undefined;
    if (!Array.isArray(items) || !items.every((n) => isObject(n) && isObject(n.metadata) && typeof n.metadata.name === "string")) {
      throw new ExtenderArgsError("ExtenderArgs.Nodes.items must be Nodes, each with metadata.name");
    }
    return { pod: { kind: "Pod", ...pod }, nodes: items as K8sObject[], nodeNames: null };
  }
  if (names != null) {
    if (!Array.isArray(names) || !names.every((n) => typeof n === "string")) throw new ExtenderArgsError("ExtenderArgs.NodeNames must be a list of node names");
    return { pod: { kind: "Pod", ...pod }, nodes: null, nodeNames: names };
  }
  throw new ExtenderArgsError("ExtenderArgs has neither Nodes nor NodeNames");
}

/** The nodes asked about: names, with their providerIDs when whole Nodes were sent. */
export const nodeRefs = (args: ExtenderArgs): NodeRef[] => (args.nodes ? args.nodes.map((n) => ({ name: n.metadata!.name!, providerId: n.spec?.providerID as string | undefined })) : args.nodeNames!.map((name) => ({ name })));

/**
 * Filter: every node where the pod would break an isolation requirement or a HARD rule fails,
 * with its reasons; preemption would not help (evicting lower-priority pods is not how a place
 * becomes isolated), so they go to FailedAndUnresolvableNodes. The rest pass, in the form asked.
 */
export function extenderFilter(topology: Topology, policy: Policy, options: ConnectorOptions, args: ExtenderArgs, nodes: readonly NodeRef[] = nodeRefs(args)) {
  const { advice } = podAdvice(topology, policy, options, args.pod, nodes);
  const failed: Record<string, string> = {};
  const passes = (name: string) => advice.get(name)!.outcome !== "REFUSED";
  for (const [name, a] of advice) if (a.outcome === "REFUSED") failed[name] = a.reasons.join(" ");
  return {
    Nodes: args.nodes ? { metadata: {}, items: args.nodes.filter((n) => passes(n.metadata!.name!)) } : null,
    NodeNames: args.nodeNames ? args.nodeNames.filter(passes) : null,
    FailedNodes: {},
    FailedAndUnresolvableNodes: failed,
    Error: "",
  };
}

/** Prioritize: proven places above possible ones, fewer SOFT breaches and a wider spread higher (pod-placement.ts, extenderScore). */
export function extenderPrioritize(topology: Topology, policy: Policy, options: ConnectorOptions, args: ExtenderArgs, nodes: readonly NodeRef[] = nodeRefs(args)) {
  const { advice } = podAdvice(topology, policy, options, args.pod, nodes);
  return [...advice].map(([Host, a]) => ({ Host, Score: extenderScore(a) }));
}
