import { ownersFromTags, setting, SnapshotBuilder, type ConnectorOptions, type ConnectorResult } from "../connector.ts";

/*
 * GCP: `gcloud compute instances list --format=json` → a snapshot.
 *
 * - A zone is a datacenter (europe-west1-b, region europe-west1); hosts are hidden.
 * - The VM's key is `<project>/<zone>/<name>`, the form a GKE node's providerID
 *   (gce://project/zone/name) names.
 * - Sole-tenant nodes (a node affinity on compute.googleapis.com/node-group-name or node-name)
 *   serve one *project*, and any project the node group is shared with (its shareSettings,
 *   which the instances list does not show). So a sole-tenant VM is dedicated to its tenant
 *   only when the operator says no node group is shared (`sole-tenant-sharing=none`) and every
 *   instance of its project in the export has that tenant; else not, with a warning.
 * - A named node is a known host `<owner project>/<zone>/node/<name>` (the owner from a
 *   compute.googleapis.com/project affinity, else the VM's project; only the owner's source
 *   describes it). Unless node groups are known unshared, it is a slot of its owner's nodes in
 *   the zone (`placementGroup`): apart from them, possibly the very node another project names.
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
  const unshared = setting(options, "sole-tenant-sharing", "unknown") === "none";
  const running: Running[] = [];
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
    if (owner) running.push({ instance, project, zone, id, ...owner });
  }
  const tenantsOf = new Map<string, Set<string>>();
  for (const r of running) tenantsOf.set(r.project, (tenantsOf.get(r.project) ?? new Set<string>()).add(r.tenant));
  const notDedicated = new Set<string>();
  for (const r of running) {
    const soleTenant = (r.instance.scheduling?.nodeAffinities ?? []).some((a) => a.key?.startsWith("compute.googleapis.com/node-") && a.operator === "IN");
    const dedicated = soleTenant && unshared && tenantsOf.get(r.project)!.size === 1;
    if (soleTenant && !dedicated) notDedicated.add(r.project);
    placeInstance(b, r, dedicated, unshared);
  }
  for (const project of [...notDedicated].sort()) {
    const why = unshared ? `its instances carry tenants ${[...tenantsOf.get(project)!].sort().join(", ")}` : "a node group may be shared with other projects (set sole-tenant-sharing=none if none is)";
    b.warn(`project ${project}`, `sole-tenant nodes serve a project, not a tenant, and ${why}: its sole-tenant VMs are not dedicated to one tenant`);
  }
  return b.result();
}

interface Running {
  instance: Instance;
  project: string;
  zone: string;
  id: string;
  tenant: string;
  workload: string | null;
}

/** A running instance's VM, in its zone or on its named sole-tenant node. */
function placeInstance(b: SnapshotBuilder, r: Running, dedicated: boolean, unshared: boolean): void {
  const { instance, project, zone, id, tenant, workload } = r;
  b.add("datacenters", { id: zone, name: zone, provider: "gcp", region: zone.replace(/-[a-z]$/, "") });
  const affinities = instance.scheduling?.nodeAffinities ?? [];
  const single = (key: string) => affinities.find((a) => a.key === key && a.operator === "IN" && a.values?.length === 1)?.values?.[0];
  const node = single("compute.googleapis.com/node-name");
  if (!node) return void b.add("virtualMachines", { id, datacenter: zone, tenant, workload, dedicated });
  const owner = single("compute.googleapis.com/project") ?? project;
  const host = `${owner}/${zone}/node/${node}`;
  if (owner === project) {
    const placementGroup = unshared ? {} : { placementGroup: `gcp-sole-tenant/${owner}/${zone}` };
    b.add("hosts", { id: host, datacenter: zone, ...(dedicated ? { dedicatedTo: tenant } : {}), ...placementGroup });
  }
  b.add("virtualMachines", { id, host, tenant, workload, dedicated });
}
