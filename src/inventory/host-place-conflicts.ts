import type { SqlClient } from "../db/sql-client.ts";
import { compareCodeUnits } from "../domain/compare-code-units.ts";
import { sourceList } from "./datacenter-descriptions.ts";
import type { Snapshot, SnapshotProblem } from "./snapshot.ts";

/*
 * Hosts that name a datacenter other than their rack's, across sources: a host of this
 * snapshot on a rack in another datacenter, or a rack of this snapshot that other hosts place
 * in another datacenter (the snapshot's own contradictions were refused by validation). Kept,
 * with a warning: the rules read such a host as in neither datacenter (topology.ts
 * `hostPlaceConflict`), so nothing is proven from it. Refusing instead would deadlock two
 * sources when a rack really moves, or its datacenter is corrected: the DCIM's new rack refused
 * for the other source's hosts, the other source's updated hosts refused for the DCIM's old
 * rack (README, "Decisions where the contract is silent").
 *
 * One statement, after this sync's writes, so it reads what the transaction will commit. No
 * lock: the verdicts do not rest on it, and a conflict two parallel syncs make between them is
 * read the same by the rules (only its warning is missed, until either source syncs again).
 */
interface Row {
  mine: boolean;
  rack: string;
  rackSource: string;
  rackDatacenter: string;
  named: string;
  firstHost: string;
  hosts: number;
  hostSources: string[];
}

/** One warning per rack and datacenter named against it: at the snapshot's first such host, or at its rack. */
export async function hostPlaceConflictWarnings(tx: SqlClient, snapshot: Snapshot, racksChanged: boolean): Promise<SnapshotProblem[]> {
  const hostIndex = new Map(snapshot.hosts.map((h, i) => [h.id, i]));
  const hosts = snapshot.hosts.filter((h) => h.rack && h.datacenter).map((h) => h.id);
  // An unchanged collection of racks moved none: its conflicts were warned about when they arose.
  const racks = racksChanged ? snapshot.racks.map((r) => r.id) : [];
  if (hosts.length === 0 && racks.length === 0) return [];
  const rows = await tx.query<Row>(
    `WITH conflict AS (
       SELECT true AS mine, h.key, h.source, h.datacenter, r.key AS rack, r.source AS rack_source, r.datacenter AS rack_datacenter
         FROM unnest($1::text[]) AS k(key) JOIN host h ON h.key = k.key AND h.source = $3 JOIN rack r ON r.key = h.rack
        WHERE h.datacenter <> r.datacenter
       UNION ALL
       SELECT false, h.key, h.source, h.datacenter, r.key, r.source, r.datacenter
         FROM unnest($2::text[]) AS k(key) JOIN rack r ON r.key = k.key JOIN host h ON h.rack = r.key
        WHERE h.datacenter <> r.datacenter
     )
     SELECT mine, rack, rack_source AS "rackSource", rack_datacenter AS "rackDatacenter", datacenter AS named,
            min(key COLLATE "C") AS "firstHost", count(*)::int AS hosts, array_agg(DISTINCT source) AS "hostSources"
       FROM conflict GROUP BY mine, rack, rack_source, rack_datacenter, datacenter
      ORDER BY rack COLLATE "C", datacenter COLLATE "C", mine LIMIT 1000`,
    [hosts, racks, snapshot.source],
  );
  const rackIndex = new Map(snapshot.racks.map((r, i) => [r.id, i]));
  const warnings = rows.map((row) => (row.mine ? hostWarning(row, hostIndex.get(row.firstHost)!) : rackWarning(row, rackIndex.get(row.rack)!)));
  return warnings.sort((a, b) => compareCodeUnits(a.path.join("/"), b.path.join("/")));
}

const HINT = "a host that names its rack alone never disagrees";

function hostWarning(row: Row, index: number): SnapshotProblem {
  const times = row.hosts > 1 ? ` (${row.hosts} hosts of this snapshot)` : "";
  return {
    path: ["hosts", String(index), "datacenter"],
    message: `host "${row.firstHost}" names datacenter "${row.named}", but its rack "${row.rack}" is in datacenter "${row.rackDatacenter}" (source "${row.rackSource}")${times}; kept, but read as in neither datacenter until they agree: ${HINT}`,
  };
}

function rackWarning(row: Row, index: number): SnapshotProblem {
  const others = row.hosts > 1 ? ` and ${row.hosts - 1} more` : "";
  return {
    path: ["racks", String(index), "datacenter"],
    message: `rack "${row.rack}" is in datacenter "${row.rackDatacenter}", but host "${row.firstHost}"${others} of ${sourceList([...row.hostSources].sort(compareCodeUnits))} ${row.hosts > 1 ? "name" : "names"} datacenter "${row.named}"; kept, but ${row.hosts > 1 ? "those hosts are" : "that host is"} read as in neither datacenter until they agree: ${HINT}`,
  };
}
