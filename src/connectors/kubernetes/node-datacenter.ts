/** The zone labels Kubernetes sets on a node, newest first. */
export const ZONE_LABELS = ["topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"];
/** EKS nodes carry the zone's id, the same physical zone in every account. */
export const AWS_ZONE_ID = "topology.k8s.aws/zone-id";

/** Which cloud a node runs in, by its providerID or its cloud's labels; null on premises. */
function cloudOf(labels: Record<string, string>, providerId: string | undefined): "aws" | "gcp" | "azure" | "openstack" | null {
  const scheme = /^([a-z]+):\/\//.exec(providerId ?? "")?.[1];
  const has = (prefix: string) => Object.keys(labels).some((l) => l.startsWith(prefix));
  if (scheme === "aws" || has("eks.amazonaws.com/") || has("topology.k8s.aws/")) return "aws";
  if (scheme === "gce" || has("cloud.google.com/")) return "gcp";
  if (scheme === "azure" || has("kubernetes.azure.com/")) return "azure";
  if (scheme === "openstack") return "openstack";
  return null;
}

/**
 * The datacenter of a node that is not linked to its cloud VM, by the id the place's own
 * connector gives it, or null with the reason when no canonical id can be named. A made-up id
 * would be worse than none: two names for one zone read as two datacenters, a separation
 * nothing proves.
 * - EKS: `topology.k8s.aws/zone-id` (the AWS connector keys zones by id); a zone *name*
 *   (eu-west-1a) means another zone in another account, so it is not used.
 * - GKE: the zone label (GCP zone names are the same in every project).
 * - AKS: the zone label is a logical zone of one subscription; OpenStack's is a zone name
 *   of one cloud, keyed `<region>/<zone>` by its connector: neither is named here.
 * - Nodes of no cloud: the zone label is the operator's own name for the datacenter (the id
 *   the DCIM source gives it).
 */
export function nodeDatacenter(labels: Record<string, string>, providerId: string | undefined): { datacenter: string | null; why?: string } {
  const zone = ZONE_LABELS.map((l) => labels[l]).find(Boolean);
  const cloud = cloudOf(labels, providerId);
  if (cloud === "aws") {
    if (labels[AWS_ZONE_ID]) return { datacenter: labels[AWS_ZONE_ID] };
    return { datacenter: null, why: `an AWS node without the ${AWS_ZONE_ID} label: its zone name${zone ? ` ${zone}` : ""} names different zones in different accounts, so its datacenter is unknown` };
  }
  if (!zone) return { datacenter: null, why: `no ${ZONE_LABELS[0]} label: its datacenter is unknown` };
  if (cloud === "azure") return { datacenter: null, why: `an Azure node: its zone ${zone} is a logical zone of one subscription, not a physical one, so its datacenter is unknown` };
  if (cloud === "openstack") return { datacenter: null, why: `an OpenStack node: its zone ${zone} does not name its cloud, so its datacenter is unknown` };
  return { datacenter: zone };
}
