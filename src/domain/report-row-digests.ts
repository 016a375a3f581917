import type { FleetReport } from "./fleet-report-rows.ts";
import { Hash40 } from "./hash40.ts";
import { relationshipOf } from "./policy.ts";
import type { Chain } from "./separation.ts";
import { unitsIndex } from "./units-index.ts";

/*
 * The digest of a report row as a finding (report-findings.ts), from the row's integer columns
 * and hashes worked out once per workload, tenant and unit of the report, not from the
 * finding's evidence built as text for every row (a million rows on fleet M).
 *
 * An isolation finding's facts are its pair, its workload's tenant, its levels, the
 * relationship, the pair count and the weakest pair with what it shares. The digest holds the
 * levels exactly and a 40-bit hash of everything the rest is computed from:
 *
 * - the workload's key and its tenant (per workload), the other tenant's key (per tenant);
 * - the relationship and the pair count (the workload's units, the tenant's units, the
 *   workload's own units of that tenant), per row;
 * - for each unit of the weakest pair, its kind and key and everything `separationOfChains`
 *   reads of it to say what the pair shares: every link of its way up (kind, key, wall,
 *   dedication, synced), its host, rack, placement group and datacenter, the rack's datacenter
 *   and domains, the datacenter's region, hazard zones and planet (per unit; the part above its
 *   own link is hashed once per shared way up, `Chain.tail`, whose host, rack, placement group
 *   and datacenter are the unit's).
 *
 * The facts are a function of these, so facts that differ have inputs that differ, and digests
 * that differ but once in 2^40. Inputs may differ while the facts do not (a unit's host moved
 * within its rack): the digest moves, and the update builds that finding's facts and finds
 * nothing to record. test/history/findings-incremental.test.ts holds it to a comparison of
 * every finding.
 */
export class ReportRowDigests {
  private readonly hash = new Hash40();
  private readonly unitHashes: Float64Array;
  private readonly tenantHashes: Float64Array;
  private readonly tenantUnits: Int32Array;
  /** Each tenant's organization (undefined: not known, or not read yet: `organizationOf`). */
  private readonly organizations: (string | null | undefined)[] = [];
  private readonly workloads: WorkloadParts[] = [];
  /** The hash of each shared way up (`Chain.tail`), worked out once for all the units on it. */
  private readonly tails = new Map<Chain, number>();

  constructor(private readonly report: FleetReport) {
    this.unitHashes = new Float64Array(report.places.units.length).fill(NaN);
    this.tenantHashes = new Float64Array(report.places.tenantNames.length).fill(NaN);
    this.tenantUnits = new Int32Array(report.places.tenantNames.length).fill(-1);
  }

  /** The levels (4 bits each: the scale has 9), then 40 bits of the hash. */
  digest(row: number): number {
    const { report } = this;
    const w = this.workloadParts(report.workloadNumber(row));
    const tenant = report.tenantNumber(row);
    const own = w.ownUnits.get(tenant) ?? 0;
    const pairCount = w.units * (this.unitsOfTenant(tenant) - own);
    const tenantHash = this.tenantHash(tenant);
    const unitHash = this.unitHash(report.unitNumber(row));
    const otherHash = this.unitHash(report.otherNumber(row));
    const hash = this.hash.reset().int(w.hash).int(tenantHash).text(this.relationship(w, tenant)).int(pairCount).int(unitHash).int(otherHash).value();
    const levels = (report.requiredRank(row) << 8) | (report.actualRank(row) << 4) | report.possibleRank(row);
    return levels * 2 ** 40 + hash;
  }

  private workloadParts(n: number): WorkloadParts {
    let parts = this.workloads[n];
    if (parts) return parts;
    const key = this.report.workloadKeys[n];
    const tenant = this.report.topology.workloads.get(key)!.tenant;
    const units = this.report.places.byWorkload.get(key) ?? [];
    const ownUnits = new Map<number, number>();
    for (const unit of units) ownUnits.set(unit.tenantId, (ownUnits.get(unit.tenantId) ?? 0) + 1);
    const organization = this.report.topology.tenants.get(tenant)?.organization ?? null;
    parts = { tenant, organization, units: units.length, ownUnits, hash: new Hash40().text(key).text(tenant).value() };
    return (this.workloads[n] = parts);
  }

  /** policy.ts `relationship`, from organizations read once per tenant. */
  private relationship(w: WorkloadParts, tenant: number) {
    return relationshipOf(this.report.places.tenantNames[tenant] === w.tenant, w.organization, this.organizationOf(tenant), null);
  }

  private organizationOf(n: number): string | null {
    let organization = this.organizations[n];
    if (organization === undefined) organization = this.organizations[n] = this.report.topology.tenants.get(this.report.places.tenantNames[n])?.organization ?? null;
    return organization;
  }

  private tenantHash(n: number): number {
    if (Number.isNaN(this.tenantHashes[n])) this.tenantHashes[n] = new Hash40().text(this.report.places.tenantNames[n]).value();
    return this.tenantHashes[n];
  }

  private unitsOfTenant(n: number): number {
    if (this.tenantUnits[n] === -1) this.tenantUnits[n] = unitsIndex(this.report.topology).byTenant.get(this.report.places.tenantNames[n])?.length ?? 0;
    return this.tenantUnits[n];
  }

  private unitHash(n: number): number {
    if (Number.isNaN(this.unitHashes[n])) this.unitHashes[n] = this.chainHash(this.report.places.units[n].chain);
    return this.unitHashes[n];
  }

  /** A unit's hash: its own link over the hash of the way up it shares with the units beside it, or its whole chain when it shares none. */
  private chainHash(chain: Chain): number {
    if (chain.tail === null) return wholeChainHash(this.report, chain);
    let tail = this.tails.get(chain.tail);
    if (tail === undefined) this.tails.set(chain.tail, (tail = this.chainHash(chain.tail)));
    const [own] = chain.links;
    return new Hash40()
      .int(chain.links.length)
      .text(own.kind)
      .text(own.key)
      .text(own.boundary)
      .text(own.dedicatedTo)
      .int(own.synced ? 1 : 0)
      .int(tail)
      .value();
  }
}

interface WorkloadParts {
  tenant: string;
  /** Its tenant's organization (null: not known, so no tenant is of the same one). */
  organization: string | null;
  units: number;
  /** Its units by tenant number. */
  ownUnits: Map<number, number>;
  hash: number;
}

/** A unit and what its way up decides of any pair it is in (see above): every link, and the places above the top one. */
function wholeChainHash(report: FleetReport, chain: Chain): number {
  const hash = new Hash40().int(chain.links.length);
  for (const link of chain.links)
    hash
      .text(link.kind)
      .text(link.key)
      .text(link.boundary)
      .text(link.dedicatedTo)
      .int(link.synced ? 1 : 0);
  hash.text(chain.host).text(chain.rack).text(chain.placementGroup).text(chain.datacenter);
  const rack = chain.rack === null ? undefined : report.topology.racks.get(chain.rack);
  if (rack) hash.text(rack.datacenter).texts(rack.powerDomains).texts(rack.networkDomains);
  else hash.text(null);
  const datacenter = chain.datacenter === null ? undefined : report.topology.datacenters.get(chain.datacenter);
  if (datacenter) hash.text(datacenter.region).texts(datacenter.hazardZones).text(datacenter.planet);
  else hash.text(null);
  return hash.value();
}
