import { ownersFromTags, SnapshotBuilder, type ConnectorOptions, type ConnectorResult } from "../connector.ts";

/*
 * AWS EC2: `aws ec2 describe-instances` output (and, to know zone ids, placement group
 * strategies and Dedicated Hosts' owners, `describe-availability-zones`,
 * `describe-placement-groups` and `describe-hosts`) → a snapshot.
 *
 * - An availability zone is a datacenter, keyed by its zone id (use1-az1: the same zone in every
 *   account, where the name us-east-1a is not), with its region as region.
 * - Hosts are hidden: an instance names its zone, so its host is unknown placement. Except:
 *   `Placement.HostId` (a Dedicated Host) is a known host; tenancy `dedicated` or `host` marks
 *   the VM dedicated. A Dedicated Host that `describe-hosts` shows another account to own
 *   (shared through AWS RAM) is only named, not described: its owner's source describes it,
 *   and two sources describing one host would be refused. A Dedicated Instance (tenancy `dedicated`) is kept off hardware of other
 *   *accounts* only: it may share a machine with its own account's other instances. So it is
 *   dedicated to its tenant only when every instance of its account (its reservation's
 *   OwnerId) in the export has that tenant; else not dedicated, with a warning.
 * - A spread placement group puts each instance on its own rack (AWS's guarantee), so each
 *   member gets a rack and host of its own (`aws-spread/<zone id>/<group id>/<instance>`), and
 *   rack-level rules over the group can be proven. With `SpreadLevel: host` (Outposts) only
 *   the hosts are distinct: each member gets a host of its own in the zone, no rack. A
 *   partition group's partitions have racks of their own: one rack and one (conservatively
 *   shared) host per partition. AWS keeps racks apart *within* a group only, so these hosts
 *   are slots of the group (`placementGroup`: `aws/<group id>`, from the instance or
 *   describe-placement-groups, else `aws/<source>/<name>`): apart from each other, and
 *   possibly the very machine of any other group's member or any other instance of the zone.
 *   A group shared through AWS RAM is one group in several accounts, whose zone names differ:
 *   a slot is keyed by the zone's id and the group's id. A partition is one slot for every
 *   account's members: only a group owned by the instance's account (its GroupArn's account)
 *   has its partitions described here; another account's are only named, like a shared
 *   Dedicated Host, so that they are matched with the owner's description once the owner's
 *   source is synced. A spread slot is keyed by its member's instance id, which no other
 *   account lists: every account describes its own members' slots, whoever owns the group.
 *   Without both ids a slot and its group are named within the account
 *   (`aws/<account>/<name>`), and a member of another account's group is no slot at all.
 * - A host named here and described by no synced source (another account's Dedicated Host or
 *   partition, before its owner's source is synced) is a dangling host: the domain reads it as
 *   possibly the very machine of any other host (docs/separation.md), since a name that its
 *   owner has not described says nothing about which machine it is. The connector keeps naming
 *   it rather than hiding it: once the owner's source is synced the name is what matches the
 *   instance with the owner's slot (its group, its rack), which a hidden host would lose.
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
  /** The account, from the reservation (not printed on the instance itself). */
  OwnerId?: string;
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
  /** arn:aws:ec2:<region>:<owner account>:placement-group/<name>: whose group it is. */
  GroupArn?: string;
  Strategy?: string;
  SpreadLevel?: string;
}

const NOT_RUNNING = new Set(["stopped", "stopping", "terminated", "shutting-down"]);

export function mapEc2(documents: unknown[], options: ConnectorOptions): ConnectorResult {
  const b = new SnapshotBuilder(options.source);
  const ownerOf = ownersFromTags(options, { tenantTags: "tenant,Tenant", workloadTags: "workload,Workload,app", word: "tags" });

  const { zones, groups, hostOwners, instances } = readDocuments(b, documents);
  const unknownZoneIds = new Set<string>();
  const accounts = new AccountTenancy();
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
    accounts.saw(instance.OwnerId, tenant);

    let host: string | null = null;
    if (placement.HostId) {
      host = placement.HostId;
      // A Dedicated Host another account shares with this one (AWS RAM) is its owner's to describe.
      const owner = hostOwners.get(host);
      if (owner === undefined || instance.OwnerId === undefined || owner === instance.OwnerId) b.add("hosts", { id: host, datacenter, dedicatedTo: tenant });
    } else if (placement.GroupName) {
      host = groupHost(b, id, placement, groups.get(placement.GroupId ?? "") ?? groups.get(placement.GroupName), datacenter, instance.OwnerId);
    }
    const vm = host ? { id, host, tenant, workload, dedicated } : { id, datacenter, tenant, workload, dedicated };
    b.add("virtualMachines", vm);
    if (placement.Tenancy === "dedicated" && !placement.HostId) accounts.dedicatedInstance(instance.OwnerId, vm);
  }
  accounts.finish(b);

  warnOfZones(b, unknownZoneIds);
  return b.result();
}

/** The instances (with their reservation's account), zones, placement groups and Dedicated Hosts' owners of the describe-* outputs, in any order. */
function readDocuments(b: SnapshotBuilder, documents: unknown[]) {
  const zones = new Map<string, Zone>();
  const groups = new Map<string, PlacementGroup>();
  const hostOwners = new Map<string, string>();
  const instances: Instance[] = [];
  documents.forEach((document, index) => {
    const d = document as { Reservations?: { OwnerId?: string; Instances?: Instance[] }[]; AvailabilityZones?: Zone[]; PlacementGroups?: PlacementGroup[]; Hosts?: { HostId?: string; OwnerId?: string }[] };
    if (d.Reservations) for (const r of d.Reservations) instances.push(...(r.Instances ?? []).map((i) => ({ ...i, OwnerId: r.OwnerId })));
    else if (d.AvailabilityZones) for (const z of d.AvailabilityZones) zones.set(z.ZoneName ?? "", z);
    else if (d.PlacementGroups) {
      for (const g of d.PlacementGroups) for (const key of [g.GroupId, g.GroupName]) if (key) groups.set(key, g);
    } else if (d.Hosts) {
      for (const h of d.Hosts) if (h.HostId && h.OwnerId) hostOwners.set(h.HostId, h.OwnerId);
    } else b.warn(`document ${index + 1}`, "not describe-instances, describe-availability-zones, describe-placement-groups or describe-hosts output; ignored");
  });
  return { zones, groups, hostOwners, instances };
}

/** Zones whose id is unknown: their instances' datacenter is unknown. */
function warnOfZones(b: SnapshotBuilder, unknownZoneIds: Set<string>) {
  for (const zoneName of unknownZoneIds) {
    b.warn(zoneName, "its zone id is not known (add describe-availability-zones output), and its name names another zone in another account: its instances' datacenter is unknown");
  }
}

/**
 * The host a placement group gives a member, or null when the group proves nothing (cluster
 * groups, unknown strategies). Racks need a datacenter, so without the zone's id a member
 * keeps its own host (a spread group's) or its partition's, and no rack.
 */
function groupHost(b: SnapshotBuilder, id: string, placement: NonNullable<Instance["Placement"]>, group: PlacementGroup | undefined, datacenter: string | null, account: string | undefined): string | null {
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
  const kind = `aws-${hostLevel ? "spread-host" : group.Strategy}`;
  const groupId = placement.GroupId ?? group.GroupId;
  // A slot is one slot in every account only by the zone's id and the group's id (AWS RAM shares
  // groups across accounts; zone names differ per account, group names repeat): without both,
  // it is keyed, and its group named, within this account (else this source) only.
  const global = Boolean(datacenter && groupId);
  const local = account ?? b.snapshot.source;
  const key = global ? `${kind}/${datacenter}/${groupId}/${slot}` : `${kind}/${local}/${placement.AvailabilityZone}/${name}/${slot}`;
  const placementGroup = global ? `aws/${groupId}` : `aws/${local}/${name}`;
  const owner = group.GroupArn?.split(":")[4] || undefined;
  if (owner !== undefined && account !== undefined && owner !== account) {
    if (!global) {
      b.warn(id, `placement group ${name} is account ${owner}'s, shared with this one, and without its id and the zone's id its slots cannot be matched with the owner's: treated as no group (it might share a host)`);
      return null;
    }
    // Shared with this account (AWS RAM): a partition is one slot in every account, the owner's
    // source describes it and this one names it. A spread slot is this instance's own (no other
    // account lists it), so this source describes it, as a slot of the owner's group.
    if (group.Strategy === "partition") return key;
  }
  if (hostLevel || !datacenter) {
    b.add("hosts", datacenter ? { id: key, datacenter, placementGroup } : { id: key, placementGroup });
  } else {
    // AWS gives each rack of a spread or partition group its own network and power source: a
    // rack listing none would be unknown (docs/separation.md), and prove only HOST apart.
    b.add("powerDomains", { id: `${key}/power`, datacenter });
    b.add("networkDomains", { id: `${key}/network`, datacenter });
    b.add("racks", { id: key, datacenter, powerDomains: [`${key}/power`], networkDomains: [`${key}/network`] });
    b.add("hosts", { id: key, rack: key, placementGroup });
  }
  return key;
}

/**
 * Dedicated Instances keep other accounts off their hardware, not other tenants of their own
 * account: such an instance is dedicated to its tenant only when its account holds no other.
 */
class AccountTenancy {
  private readonly tenants = new Map<string, Set<string>>();
  private readonly dedicated: { account: string; vm: { dedicated: boolean } }[] = [];

  saw(account: string | undefined, tenant: string): void {
    const key = account ?? "";
    this.tenants.set(key, (this.tenants.get(key) ?? new Set<string>()).add(tenant));
  }

  dedicatedInstance(account: string | undefined, vm: { dedicated: boolean }): void {
    this.dedicated.push({ account: account ?? "", vm });
  }

  finish(b: SnapshotBuilder): void {
    const warned = new Set<string>();
    for (const { account, vm } of this.dedicated) {
      const tenants = [...(this.tenants.get(account) ?? [])].sort();
      if (tenants.length <= 1) continue;
      vm.dedicated = false;
      if (warned.has(account)) continue;
      warned.add(account);
      b.warn(
        account ? `account ${account}` : "describe-instances",
        `dedicated tenancy keeps other accounts off an instance's hardware, not this account's other tenants (${tenants.join(", ")}): its Dedicated Instances are not dedicated to one tenant`,
      );
    }
  }
}
