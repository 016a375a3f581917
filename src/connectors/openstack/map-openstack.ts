import { keyList, setting, SnapshotBuilder, type ConnectorOptions, type ConnectorResult } from "../connector.ts";

/*
 * OpenStack: `openstack server list --long -f json` (or the API's `servers/detail`, or
 * `server show -f json` objects) and `openstack server group list --long -f json` (or the API's
 * `os-server-groups`) → a snapshot.
 *
 * - An availability zone is a datacenter (`<region>/<zone>`; `region` names the cloud, since
 *   zone names like "nova" repeat across clouds).
 * - `OS-EXT-SRV-ATTR:host` (the "Host" column, shown to admins) is the host. `hostId` is not
 *   used: Nova hashes it with the project, so two projects' servers on one host get different
 *   hostIds, and treating them as different hosts would prove a separation that is not there.
 * - One cloud may be synced as several sources (a project each). A hypervisor host is then
 *   seen by all of them, but only one source may describe it (ids are unique per kind across
 *   sources): `describe-hosts: false` makes a source name its servers' hosts without describing
 *   them, as Azure names another subscription's dedicated host. Every source names a host by
 *   the same id (`<region>/<host>`), so servers of two sources on one host share it; a host no
 *   source describes is dangling and proves no host apart from any other.
 * - A server group is a workload; its policy is a HOST rule: `anti-affinity` HARD,
 *   `soft-anti-affinity` SOFT, with `max_server_per_host` as maxPerDomain.
 * - The tenant: the `tenant` property (configurable), else the project (`project-tenants`
 *   maps project ids to tenant keys), else the default tenant.
 */
type Server = Record<string, unknown>;
const RUNNING = new Set(["ACTIVE", "PAUSED", "SUSPENDED", "RESCUE", "VERIFY_RESIZE", "RESIZE", "MIGRATING", "REBOOT", "HARD_REBOOT", "PASSWORD", "REBUILD"]);

const pick = (o: Record<string, unknown>, ...keys: string[]) => keys.map((k) => o[k]).find((v) => v !== undefined && v !== null && v !== "");
const str = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? undefined : String(v));

function properties(server: Server): Record<string, string> {
  const raw = pick(server, "Properties", "properties", "metadata");
  if (raw && typeof raw === "object") return raw as Record<string, string>;
  if (typeof raw === "string") {
    // The CLI prints properties as "k1='v1', k2='v2'".
    return Object.fromEntries([...raw.matchAll(/([\w.:-]+)='([^']*)'/g)].map((m) => [m[1], m[2]]));
  }
  return {};
}

export function mapOpenstack(documents: unknown[], options: ConnectorOptions): ConnectorResult {
  const b = new SnapshotBuilder(options.source);
  const projectTenants = new Map(keyList(setting(options, "project-tenants", "")).map((pair) => pair.split("=") as [string, string]));
  const cloud: Cloud = {
    b,
    region: setting(options, "region", "openstack"),
    tenantKey: setting(options, "tenant-property", "tenant"),
    defaultTenant: setting(options, "default-tenant"),
    tenantOfProject: (project: string | undefined) => (project ? (projectTenants.get(project) ?? project) : undefined),
    describeHosts: describesHosts(b, options),
  };
  const { servers, groups } = readDocuments(b, documents);
  const groupOf = mapServerGroups(cloud, groups);
  mapServers(cloud, servers, groupOf);
  return b.result();
}

/** The settings and the builder every step shares. */
interface Cloud {
  b: SnapshotBuilder;
  region: string;
  /** The server property that names its tenant. */
  tenantKey: string;
  defaultTenant: string | undefined;
  tenantOfProject: (project: string | undefined) => string | undefined;
  /** Whether this source describes the hypervisor hosts it names (one source per cloud does). */
  describeHosts: boolean;
}

const DESCRIBE_HOSTS = "describe-hosts";

/** The `describe-hosts` setting: true unless "false" (another source of the cloud describes its hosts). */
function describesHosts(b: SnapshotBuilder, options: ConnectorOptions): boolean {
  const value = setting(options, DESCRIBE_HOSTS, "true").trim().toLowerCase();
  if (value !== "true" && value !== "false") b.warn("settings", `${DESCRIBE_HOSTS} is "true" or "false", not "${value}"; describing the hosts`);
  return value !== "false";
}

/** What a refused second source of one cloud should change (connector.ts, `ownershipHints`). */
export const OPENSTACK_OWNERSHIP_HINTS = {
  hosts:
    `another source describes these hypervisor hosts (one OpenStack cloud synced as two sources?): only one source may describe a cloud's hosts; ` +
    `set ${DESCRIBE_HOSTS}: false on every other source of the cloud (in sources.yaml, or --set ${DESCRIBE_HOSTS}=false): it then names its servers' hosts without describing them`,
  virtualMachines: `another source lists these servers (one OpenStack cloud synced as two sources?): list each project's servers in one source only (an export with --all-projects lists every project's)`,
};

/** Servers and server groups, from `openstack server list`/`server group list` output or the API's. */
function readDocuments(b: SnapshotBuilder, documents: unknown[]) {
  const servers: Server[] = [];
  const groups: Server[] = [];
  documents.forEach((document, index) => {
    const d = document as { servers?: Server[]; server_groups?: Server[] } | Server[] | Server;
    const items = Array.isArray(d) ? d : ((d as { servers?: Server[] }).servers ?? (d as { server_groups?: Server[] }).server_groups ?? [d]);
    for (const item of items) {
      if (pick(item, "Members", "members", "Policy", "Policies", "policy", "policies") !== undefined) groups.push(item);
      else if (pick(item, "ID", "id") !== undefined) servers.push(item);
      else b.warn(`document ${index + 1}`, "neither a server nor a server group; ignored");
    }
  });
  return { servers, groups };
}

/** Each server group as a workload (with its anti-affinity rule); returns the group's name by member server id. */
function mapServerGroups({ b, defaultTenant, tenantOfProject }: Cloud, groups: Server[]): Map<string, string> {
  const groupOf = new Map<string, string>();
  for (const group of groups) {
    const name = str(pick(group, "Name", "name")) ?? str(pick(group, "ID", "id"))!;
    const policy = str(pick(group, "Policy", "policy")) ?? [pick(group, "Policies", "policies")].flat().map(String)[0] ?? "";
    const rules = (pick(group, "rules", "Rules") ?? {}) as Record<string, unknown>;
    const members = pick(group, "Members", "members");
    const memberIds = Array.isArray(members) ? members.map(String) : typeof members === "string" ? keyList(members) : [];
    const tenant = tenantOfProject(str(pick(group, "Project Id", "Project ID", "project_id"))) ?? defaultTenant;
    if (!tenant) {
      b.warn(`server group ${name}`, "names no project and no default tenant is configured; its servers keep no workload");
      continue;
    }
    const max = Number(rules.max_server_per_host ?? NaN);
    const rule =
      policy === "anti-affinity" || policy === "soft-anti-affinity" ? [{ level: "HOST" as const, maxPerDomain: Number.isInteger(max) && max >= 1 ? max : 1, mode: policy === "anti-affinity" ? ("HARD" as const) : ("SOFT" as const) }] : [];
    b.add("workloads", { id: name, tenant, antiAffinity: rule });
    for (const id of memberIds) groupOf.set(id, name);
  }
  return groupOf;
}

/** Running servers as VMs on their hypervisor host (when shown) or in their zone. */
function mapServers({ b, region, tenantKey, defaultTenant, tenantOfProject, describeHosts }: Cloud, servers: Server[], groupOf: Map<string, string>) {
  let hashedOnly = 0;
  for (const server of servers) {
    const id = str(pick(server, "ID", "id"))!;
    const status = (str(pick(server, "Status", "status")) ?? "UNKNOWN").toUpperCase();
    if (!RUNNING.has(status)) {
      b.leaveOut("servers", "servers", status);
      continue;
    }
    const zone = str(pick(server, "OS-EXT-AZ:availability_zone", "Availability Zone"));
    const datacenter = zone ? `${region}/${zone}` : null;
    if (datacenter) b.add("datacenters", { id: datacenter, name: zone, provider: "openstack", region });
    const props = properties(server);
    const tenant = props[tenantKey] ?? tenantOfProject(str(pick(server, "project_id", "tenant_id", "Project ID", "Project Id"))) ?? defaultTenant;
    if (!tenant) {
      b.warn(id, "no tenant property, no project and no default tenant; left out");
      continue;
    }
    const hostName = str(pick(server, "OS-EXT-SRV-ATTR:host", "Host"));
    if (!hostName && pick(server, "hostId")) hashedOnly++;
    const workload = groupOf.get(id) ?? null;
    if (hostName) {
      const host = `${region}/${hostName}`;
      // Named by every source of the cloud, described by one (describe-hosts): the same machine to all of them.
      if (describeHosts) b.add("hosts", { id: host, datacenter });
      b.add("virtualMachines", { id, host, tenant, workload, dedicated: false });
    } else {
      b.add("virtualMachines", { id, datacenter, tenant, workload, dedicated: false });
    }
  }
  if (hashedOnly > 0) {
    b.warn("servers", `${hashedOnly} server(s) show only hostId, which Nova hashes per project: their hosts are unknown; list servers as an admin to get OS-EXT-SRV-ATTR:host`);
  }
}
