import type { Connector } from "./connector.ts";
import { fetchEc2 } from "./aws/fetch-ec2.ts";
import { mapEc2 } from "./aws/map-ec2.ts";
import { fetchKubernetes } from "./kubernetes/fetch-kubernetes.ts";
import { mapKubernetes } from "./kubernetes/map-kubernetes.ts";
import { fetchNetbox } from "./netbox/fetch-netbox.ts";
import { mapNetbox } from "./netbox/map-netbox.ts";

/** Every connector, by the name `tenancy sync <name>` and sources.yaml use. */
export const CONNECTORS: Record<string, Connector> = {
  aws: { name: "aws", exportFormat: "aws ec2 describe-instances (+ describe-availability-zones, describe-placement-groups) JSON", map: mapEc2, fetch: fetchEc2 },
  kubernetes: { name: "kubernetes", exportFormat: "kubectl get nodes,pods,namespaces -A -o json (+ kubectl get vmi -A -o json)", map: mapKubernetes, fetch: fetchKubernetes },
  netbox: { name: "netbox", exportFormat: "NetBox REST API list answers (sites, racks, power panels and feeds, devices, clusters, virtual machines, tenants, tenant groups)", map: mapNetbox, fetch: fetchNetbox },
};
