import type { K8sObject } from "../connectors/kubernetes/map-kubernetes.ts";
import type { ConnectorOptions } from "../connectors/connector.ts";
import type { Policy } from "../domain/policy.ts";
import type { Topology } from "../domain/topology.ts";
import { podAdvice } from "./pod-placement.ts";
import type { NodeUnit } from "../inventory/kubernetes-nodes.ts";

/*
 * A validating admission webhook (admission.k8s.io/v1 AdmissionReview) for what skips the
 * scheduler: a Pod created with spec.nodeName already set, and a KubeVirt
 * VirtualMachineInstance pinned to a node (spec.nodeName, or the kubernetes.io/hostname node
 * selector). Refused when it would break an isolation requirement or a HARD anti-affinity rule
 * there; the reasons in response.status.message. Anything else is allowed: the scheduler (and
 * its extender) decides where it goes.
 */
export class AdmissionReviewError extends Error {}

const HOSTNAME = "kubernetes.io/hostname";

/** The node a reviewed Pod or VMI is pinned to, if any (read loosely: admissionResponse checks the review). */
export function pinnedNodeName(review: unknown): string | undefined {
  const request = (review as { request?: { object?: K8sObject; kind?: { kind?: string } } } | null)?.request;
  const object = request?.object;
  const kind = request?.kind?.kind ?? object?.kind;
  const node = object?.spec?.nodeName ?? (kind === "VirtualMachineInstance" ? (object?.spec?.nodeSelector as Record<string, unknown> | undefined)?.[HOSTNAME] : undefined);
  return typeof node === "string" ? node : undefined;
}

/** The answer to an AdmissionReview; `synced`: the node's unit as its source last synced it, when recorded. */
export function admissionResponse(topology: Topology, policy: Policy, options: ConnectorOptions, review: unknown, synced?: NodeUnit) {
  const request = typeof review === "object" && review !== null ? (review as { request?: Record<string, unknown> }).request : undefined;
  if (!request || typeof request.uid !== "string") throw new AdmissionReviewError("the body is not an AdmissionReview with request.uid");
  const apiVersion = (review as { apiVersion?: unknown }).apiVersion;
  if (apiVersion !== "admission.k8s.io/v1") throw new AdmissionReviewError(`AdmissionReview apiVersion ${JSON.stringify(apiVersion)}: only admission.k8s.io/v1 is answered`);
  const answer = (allowed: boolean, message?: string) => ({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: { uid: request.uid, allowed, ...(message ? { status: { code: 403, reason: "Forbidden", message } } : {}) },
  });
  const object = request.object as K8sObject | undefined;
  const kind = (request.kind as { kind?: string } | undefined)?.kind ?? object?.kind;
  if (request.operation !== "CREATE" || !object?.metadata || (kind !== "Pod" && kind !== "VirtualMachineInstance")) return answer(true);
  // The namespace of a create is the request's when the object leaves it out.
  const withNamespace: K8sObject = { ...object, kind, metadata: { ...object.metadata, namespace: object.metadata.namespace ?? (request.namespace as string | undefined) } };
  const node = (object.spec?.nodeName as string | undefined) ?? (kind === "VirtualMachineInstance" ? (object.spec?.nodeSelector as Record<string, string> | undefined)?.[HOSTNAME] : undefined);
  if (!node) return answer(true);
  const advice = podAdvice(topology, policy, options, withNamespace, [{ name: node, synced }]).advice.get(node)!;
  if (advice.outcome !== "REFUSED") return answer(true);
  const what = kind === "Pod" ? "pod" : "VirtualMachineInstance";
  return answer(false, `tenancy-scale refuses ${what} ${withNamespace.metadata!.namespace}/${object.metadata.name} on node ${node}: ${advice.reasons.join(" ")}`);
}
