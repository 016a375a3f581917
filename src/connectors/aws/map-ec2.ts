import { ownersFromTags, SnapshotBuilder, type ConnectorOptions, type ConnectorResult } from "../connector.ts";

/**
 * AWS EC2: `aws ec2 describe-instances` output (and, to know zone ids and placement group
 * strategies, `describe-availability-zones` and `describe-placement-groups`) → a snapshot.
 *
 * - An availability zone is a datacenter, keyed by its zone id (use1-az1: the same zone in every
 *   account, where the name us-east-1a is not), with its region as region.
 * - Hosts are hidden: an instance names its zone, so its host is unknown placement. Except:
 *   `Placement.HostId` (a Dedicated Host) is a known host; tenancy `dedicated` or `host` marks
 *   the VM dedicated.
 * - A spread placement group puts each instance on its own rack (AWS's guarantee), so each
 *   member gets a rack and host of its own (`aws-spread/<zone name>/<group>/<instance>`), and
 *   rack-level rules over the group can be proven. With `SpreadLevel: host` (Outposts) only
 *   the hosts are distinct: each member gets a host of its own in the zone, no rack. A
 *   partition group's partitions have racks of their own: one rack and one (conservatively
 *   shared) host per partition.
 * - A zone whose id is not known (no AvailabilityZoneId, no describe-availability-zones) is
 *   not named: its name means different zones in different accounts, so such instances are in
 *   an unknown datacenter (and group members get hosts but no racks, which need a datacenter).
 *   A zone's name is not given to its datacenter either, for the same reason: two accounts
 *   describing one zone must agree on it.
 * - Tags name the tenant and the workload (configurable keys).
 * - Instances that do not run (pending ones do; stopped, terminated, shutting-down do not) are
 *   left out.
 */
interface Tag {
  Key?: string;
  Value?: string;
}
interface Instance {
  InstanceId?: string;
  State?: { Name?: string };
  Placement?: { AvailabilityZone?: string; AvailabilityZoneId?: string; GroupName?: string; GroupId?: string; PartitionNumber?: number; HostId?: string; Tenancy?: string };
  Tags?: Tag[];
}
interface Zone {
  ZoneName?: string;
  ZoneId?: string;
  RegionName?: string;
}
interface PlacementGroup {
  GroupName?: string;
  GroupId?: string;
  Strategy?: string;
  SpreadLevel?: string;
}

const NOT_RUNNING = new Set(["stopped", "stopping", "terminated", "shutting-down"]);

export function mapEc2(documents: unknown[], options: ConnectorOptions): ConnectorResult {
  const b = new SnapshotBuilder(options.source);
  const ownerOf = ownersFromTags(options, { tenantTags: "tenant,Tenant", workloadTags: "workload,Workload,app", word: "tags" });

  const { zones, groups, instances } = readDocuments(b, documents);
  const unknownZoneIds = new Set<string>();
  const groupsByZone = new Map<string, Set<string>>();
  for (const instance of instances) {
    const id = instance.InstanceId;
    const state = instance.State?.Name ?? "unknown";
    if (!id) {
      b.warn("describe-instances", "an instance without InstanceId; left out");
      continue;
    }
    if (NOT_RUNNING.has(state)) {
      b.leaveOut("describe-instances", "instances", state);
      continue;
    }
    const placement = instance.Placement ?? {};
    const zoneName = placement.AvailabilityZone;
    if (!zoneName) {
      b.warn(id, "no Placement.AvailabilityZone; left out");
      continue;
    }
    const zone = zones.get(zoneName);
    const datacenter = placement.AvailabilityZoneId ?? zone?.ZoneId ?? null;
    if (datacenter) b.add("datacenters", { id: datacenter, provider: "aws", region: zone?.RegionName ?? zoneName.replace(/[a-z]$/, "") });
    else unknownZoneIds.add(zoneName);

    const tags = Object.fromEntries((instance.Tags ?? []).map((t) => [t.Key ?? "", t.Value]));
    const owner = ownerOf(b, id, tags);
    if (!owner) continue;
    const { tenant, workload } = owner;
    const dedicated = placement.Tenancy === "dedicated" || placement.Tenancy === "host";

    let host: string | null = null;
    if (placement.HostId) {
      host = placement.HostId;
      b.add("hosts", { id: host, datacenter, dedicatedTo: tenant });
    } else if (placement.GroupName) {
      host = groupHost(b, id, placement, groups.get(placement.GroupId ?? "") ?? groups.get(placement.GroupName), datacenter);
      if (host && datacenter) groupsByZone.set(datacenter, (groupsByZone.get(datacenter) ?? new Set<string>()).add(placement.GroupName));
    }
    b.add("virtualMachines", host ? { id, host, tenant, workload, dedicated } : { id, datacenter, tenant, workload, dedicated });
  }

  warnOfZones(b, unknownZoneIds, groupsByZone);
  return b.result();
}

/** The instances, zones and placement groups of the describe-* outputs, in any order. */
function readDocuments(b: SnapshotBuilder, documents: unknown[]) {
  const zones = new Map<string, Zone>();
  const groups = new Map<string, PlacementGroup>();
  const instances: Instance[] = [];
  documents.forEach((document, index) => {
    const d = document as { Reservations?: { Instances?: Instance[] }[]; AvailabilityZones?: Zone[]; PlacementGroups?: PlacementGroup[] };
    if (d.Reservations) for (const r of d.Reservations) instances.push(...(r.Instances ?? []));
    else if (d.AvailabilityZones) for (const z of d.AvailabilityZones) zones.set(z.ZoneName ?? "", z);
    else if (d.PlacementGroups) for (const g of d.PlacementGroups) for (const key of [g.GroupId, g.GroupName]) if (key) groups.set(key, g);
    else b.warn(`document ${index + 1}`, "not describe-instances, describe-availability-zones or describe-placement-groups output; ignored");
  });
  return { zones, groups, instances };
}

/** Zones whose id is unknown, and zones where several placement groups' racks are modeled apart. */
function warnOfZones(b: SnapshotBuilder, unknownZoneIds: Set<string>, groupsByZone: Map<string, Set<string>>) {
  for (const zoneName of unknownZoneIds) {
    b.warn(zoneName, "its zone id is not known (add describe-availability-zones output), and its name names another zone in another account: its instances' datacenter is unknown");
  }
  for (const [zone, names] of groupsByZone) {
    if (names.size > 1) {
      b.warn(zone, `placement groups ${[...names].sort().join(", ")} share this zone: each group's racks are modeled apart, but AWS keeps racks apart only within a group`);
    }
  }
}

/**
 * The host a placement group gives a member, or null when the group proves nothing (cluster
 * groups, unknown strategies). Racks need a datacenter, so without the zone's id a member
 * keeps its own host (a spread group's) or its partition's, and no rack.
 */
function groupHost(b: SnapshotBuilder, id: string, placement: NonNullable<Instance["Placement"]>, group: PlacementGroup | undefined, datacenter: string | null): string | null {
  const name = placement.GroupName!;
  if (group === undefined) {
    b.warn(id, `placement group ${name}: its strategy is not known (add describe-placement-groups output); treated as no group`);
    return null;
  }
  if (group.Strategy === "partition" && placement.PartitionNumber === undefined) {
    b.warn(id, `in partition group ${name} without a PartitionNumber; its rack is unknown`);
    return null;
  }
  if (group.Strategy !== "spread" && group.Strategy !== "partition") return null;
  const hostLevel = group.Strategy === "spread" && group.SpreadLevel === "host";
  const slot = group.Strategy === "spread" ? id : String(placement.PartitionNumber);
  // Keyed by the zone's name, which every instance of the account has (not all have its id, and
  // one partition must be one key), and the group's id where given (names repeat across accounts).
  const key = `aws-${hostLevel ? "spread-host" : group.Strategy}/${placement.AvailabilityZone}/${placement.GroupId ?? name}/${slot}`;
  if (hostLevel || !datacenter) {
    b.add("hosts", datacenter ? { id: key, datacenter } : { id: key });
  } else {
    b.add("racks", { id: key, datacenter, powerDomains: [], networkDomains: [] });
    b.add("hosts", { id: key, rack: key });
  }
  return key;
}
