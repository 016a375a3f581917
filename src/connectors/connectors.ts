import type { Connector } from "./connector.ts";
import { fetchEc2 } from "./aws/fetch-ec2.ts";
import { mapEc2 } from "./aws/map-ec2.ts";
import { fetchKubernetes } from "./kubernetes/fetch-kubernetes.ts";
import { mapKubernetes } from "./kubernetes/map-kubernetes.ts";
import { fetchNetbox } from "./netbox/fetch-netbox.ts";
import { mapNetbox } from "./netbox/map-netbox.ts";
import { fetchAzure } from "./azure/fetch-azure.ts";
import { mapAzure } from "./azure/map-azure.ts";
import { fetchGcp } from "./gcp/fetch-gcp.ts";
import { mapGcp } from "./gcp/map-gcp.ts";
import { mapOpenstack, OPENSTACK_OWNERSHIP_HINTS } from "./openstack/map-openstack.ts";

/** Every connector, by the name `tenancy sync <name>` and sources.yaml use. */
export const CONNECTORS: Record<string, Connector> = {
  aws: { name: "aws", exportFormat: "aws ec2 describe-instances (+ describe-availability-zones, describe-placement-groups) JSON", map: mapEc2, fetch: fetchEc2 },
  kubernetes: { name: "kubernetes", exportFormat: "kubectl get nodes,pods,namespaces -A -o json (+ kubectl get vmi -A -o json)", map: mapKubernetes, fetch: fetchKubernetes },
  netbox: { name: "netbox", exportFormat: "NetBox REST API list answers (sites, racks, power panels and feeds, devices, clusters, virtual machines, tenants, tenant groups)", map: mapNetbox, fetch: fetchNetbox },
  azure: { name: "azure", exportFormat: "az vm list -d -o json (+ az vm get-instance-view for fault domains, az vmss list-instances, and the subscription's locations for physical zones)", map: mapAzure, fetch: fetchAzure },
  gcp: { name: "gcp", exportFormat: "gcloud compute instances list --format=json", map: mapGcp, fetch: fetchGcp },
  // Exports only: OpenStack has no official npm SDK.
  openstack: { name: "openstack", exportFormat: "openstack server list --long -f json (+ openstack server group list --long -f json), or the API's servers/detail", map: mapOpenstack, ownershipHints: OPENSTACK_OWNERSHIP_HINTS },
};
