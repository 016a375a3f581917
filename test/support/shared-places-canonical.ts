import { TABLES } from "../../src/domain/place-numbering.ts";
import type { SharedPlaces, UnitFacts } from "../../src/domain/shared-places.ts";

/*
 * A shared-places index with its numbers replaced by what they stand for (tenant names, place
 * keys, units; a group or signature by the first unit that has it), so that an index carried
 * from the one before a sync can be compared with one built anew: they must be equal but for
 * their numbering, and for places and host groups that no unit holds any more.
 */
export function canonicalPlaces(index: SharedPlaces) {
  const unitName = (u: number) => (u === -1 ? null : `${index.units[u].ref.kind}:${index.units[u].ref.key}`);
  const firstWith = (pick: (f: UnitFacts) => number) => {
    const first = new Map<number, string>();
    for (const f of index.units) if (pick(f) !== -1 && !first.has(pick(f))) first.set(pick(f), unitName(f.index)!);
    return (n: number) => (n === -1 ? null : first.get(n));
  };
  const group = firstWith((f) => f.groupId);
  const [hostMaybe, host, rack] = [firstWith((f) => f.hostMaybeSignature), firstWith((f) => f.hostSignature), firstWith((f) => f.rackSignature)];
  const tenant = (t: number) => (t === -1 ? null : index.tenantNames[t]);
  const party = (p: number) => [tenant(index.partyTenant[p]), tenant(index.partyHostLevel[p]), index.partyReservations[p].map(tenant)];
  const units = index.units.map((f, i) => ({
    i: f.index === i,
    ref: f.ref,
    facts: [
      f.tenant,
      tenant(f.tenantId),
      f.workload,
      group(f.groupId),
      f.side,
      f.hostKnown,
      f.placementGroup,
      f.hostGroup,
      f.rack,
      f.rackSynced,
      f.rackDomainsKnown,
      f.dc,
      index.datacenterGroups[f.dcId],
      f.dedicated,
      f.reservations.map(tenant),
    ],
    dedication: [tenant(f.hostLevelTenantId), f.party === -1 ? null : party(f.party)],
    signatures: [hostMaybe(f.hostMaybeSignature), host(f.hostSignature), rack(f.rackSignature)],
    wayUp: Array.from(index.links.subarray(index.linkStart[i], index.linkStart[i + 1]), (p, k) => [index.below.keys[p], index.linkStrongest[index.linkStart[i] + k], unitName(index.belowUnit[p])]),
  }));
  const tables = Object.fromEntries(
    TABLES.map((name) => {
      const table = index[name];
      const dedicated = name === "dedicatedHidden" || name === "dedicatedOnHosts";
      const places: Record<string, unknown[]> = {};
      table.keys.forEach((key, p) => {
        const entries = [];
        for (let e = table.start[p]; e < table.start[p + 1]; e++) {
          const who = dedicated ? party(table.party[e]) : tenant(table.party[e]);
          entries.push([who, table.first[e], group(table.firstGroup[e]), unitName(table.firstUnit[e]), table.second[e], unitName(table.secondUnit[e]), table.find(p, table.party[e]) === e]);
        }
        if (entries.length > 0) places[key] = entries;
      });
      return [name, places];
    }),
  );
  const byWorkload = Object.fromEntries([...index.byWorkload].map(([w, fs]) => [w, fs.map((f) => unitName(f.index))]).sort(([a], [b]) => (a < b ? -1 : 1)));
  const ranked = [...index.tenantNames].sort((a, b) => index.tenantRank[index.tenantIds.get(a)!] - index.tenantRank[index.tenantIds.get(b)!]);
  return { units, tables, byWorkload, ranked: ranked.filter((t) => index.units.some((f) => f.tenant === t || f.dedicated.includes(t))) };
}
