import { ownersFromTags, SnapshotBuilder, type ConnectorOptions, type ConnectorResult } from "../connector.ts";

/**
 * GCP: `gcloud compute instances list --format=json` → a snapshot.
 *
 * - A zone is a datacenter (europe-west1-b, region europe-west1); hosts are hidden.
 * - The VM's key is `<project>/<zone>/<name>`, the form a GKE node's providerID
 *   (gce://project/zone/name) names.
 * - Sole-tenant nodes (a node affinity on compute.googleapis.com/node-group-name or node-name)
 *   make the VM dedicated; a named node is a known host.
 * - Labels name the tenant and the workload. Terminated, stopped and suspended VMs are left out.
 */
type Instance = {
  name?: string;
  zone?: string;
  selfLink?: string;
  status?: string;
  labels?: Record<string, string>;
  scheduling?: { nodeAffinities?: { key?: string; operator?: string; values?: string[] }[] };
};
const RUNNING = new Set(["RUNNING", "STAGING", "REPAIRING", "STOPPING", "SUSPENDING"]);

export function mapGcp(documents: unknown[], options: ConnectorOptions): ConnectorResult {
  const b = new SnapshotBuilder(options.source);
  const ownerOf = ownersFromTags(options, { tenantTags: "tenant", workloadTags: "workload,app", word: "labels" });
  for (const instance of documents.flatMap((d) => (Array.isArray(d) ? (d as Instance[]) : [d as Instance]))) {
    const where = /projects\/([^/]+)\/zones\/([^/]+)/.exec(instance.selfLink ?? instance.zone ?? "");
    if (!instance.name || !where) {
      b.warn(instance.name ?? "gcloud compute instances list", "no name or no project and zone in selfLink; left out");
      continue;
    }
    const [, project, zone] = where;
    const id = `${project}/${zone}/${instance.name}`;
    const status = instance.status ?? "RUNNING";
    if (!RUNNING.has(status)) {
      b.leaveOut("instances", "instances", status);
      continue;
    }
    const owner = ownerOf(b, id, instance.labels);
    if (!owner) continue;
    const { tenant, workload } = owner;
    b.add("datacenters", { id: zone, name: zone, provider: "gcp", region: zone.replace(/-[a-z]$/, "") });
    const affinities = instance.scheduling?.nodeAffinities ?? [];
    const soleTenant = affinities.some((a) => a.key?.startsWith("compute.googleapis.com/node-") && a.operator === "IN");
    const node = affinities.find((a) => a.key === "compute.googleapis.com/node-name" && a.operator === "IN" && a.values?.length === 1)?.values?.[0];
    if (node) {
      const host = `${project}/${zone}/node/${node}`;
      b.add("hosts", { id: host, datacenter: zone, dedicatedTo: tenant });
      b.add("virtualMachines", { id, host, tenant, workload, dedicated: true });
    } else {
      b.add("virtualMachines", { id, datacenter: zone, tenant, workload, dedicated: soleTenant });
    }
  }
  return b.result();
}
