import type { SqlClient } from "../db/sql-client.ts";
import { TABLES } from "./inventory-tables.ts";
import { INVENTORY_KINDS, type InventoryKind, type Snapshot, type SnapshotProblem } from "./snapshot.ts";
import { getOrInsert } from "../domain/get-or-insert.ts";

/*
 * What a sync token may write besides its sources: the kinds its snapshots may carry and the
 * tenants whose objects they may carry (an empty list: no limit). A snapshot outside its grant
 * is refused whole, with a problem per thing outside it, and nothing is written; the caller
 * records the refusal (the sync run and the audit log).
 *
 * Squatting: an id is unique per kind, so the first source to sync an id owns it, and every
 * other source's object that names it is placed by it. Taking an id that other sources'
 * objects already name would let a source limited to tenant A move tenant B's units (and lock
 * out the source that really has it). So a token limited to tenants may not create a rack, a
 * PDU, a switch, a host, a VM or a container whose id objects of other sources already name,
 * unless every such object is a unit of a tenant it is granted. (Datacenters are described by
 * many sources, and a token's own units may stand on anyone's host: that places only its own
 * tenants, and can only void another tenant's dedication of that host (docs/separation.md, "A
 * dedication the data contradicts"): it lowers verdicts, never raises one.) Nor may it claim
 * dedicated hardware (`dedicationProblems`).
 */
export interface SyncGrant {
  kinds: readonly string[];
  tenants: readonly string[];
}

/** The field that makes a record speak for a tenant: a tenant's key, or a field naming a tenant. */
const TENANT_FIELD: Partial<Record<InventoryKind, string>> = Object.fromEntries(
  INVENTORY_KINDS.flatMap((kind) => {
    const field = kind === "tenants" ? "id" : TABLES[kind].references.find((r) => r.target === "tenants")?.field;
    return field ? [[kind, field]] : [];
  }),
);
const PLACING_KINDS: readonly InventoryKind[] = ["powerDomains", "networkDomains", "racks", "hosts", "virtualMachines", "containers"];

export async function syncGrantProblems(tx: SqlClient, snapshot: Snapshot, grant: SyncGrant): Promise<SnapshotProblem[]> {
  const problems = [...kindProblems(snapshot, grant), ...tenantProblems(snapshot, grant), ...dedicationProblems(snapshot, grant)];
  if (problems.length > 0) return problems;
  if (snapshot.complete) problems.push(...(await heldOutsideGrant(tx, snapshot, grant)));
  if (grant.tenants.length > 0) problems.push(...(await squattedIds(tx, snapshot, grant)));
  return problems;
}

function kindProblems(snapshot: Snapshot, grant: SyncGrant): SnapshotProblem[] {
  if (grant.kinds.length === 0) return [];
  return INVENTORY_KINDS.filter((kind) => snapshot[kind].length > 0 && !grant.kinds.includes(kind)).map((kind) => ({
    path: [kind],
    message: `this token may not sync ${kind}; it is granted ${grant.kinds.join(", ")}`,
  }));
}

/** One problem per (kind, tenant) outside the grant, at its first record, with how many. */
function tenantProblems(snapshot: Snapshot, grant: SyncGrant): SnapshotProblem[] {
  if (grant.tenants.length === 0) return [];
  const problems: SnapshotProblem[] = [];
  for (const [kind, field] of Object.entries(TENANT_FIELD) as [InventoryKind, string][]) {
    const first = new Map<string, { index: number; count: number }>();
    snapshot[kind].forEach((record, index) => {
      const tenant = (record as Record<string, unknown>)[field] as string | null | undefined;
      if (tenant === null || tenant === undefined || grant.tenants.includes(tenant)) return;
      getOrInsert(first, tenant, () => ({ index, count: 0 })).count++;
    });
    for (const [tenant, { index, count }] of first) {
      const times = count > 1 ? ` (${count} ${kind})` : "";
      problems.push({ path: [kind, String(index), field], message: `tenant "${tenant}" is not granted to this token${times}; it may sync tenants ${grant.tenants.join(", ")}` });
    }
  }
  return problems;
}

/**
 * Dedicated hardware says other tenants' units are NOT on a machine: a claim about everyone
 * else, which raises their verdicts against these tenants. A token limited to tenants speaks
 * only for its own tenants' placement, so it may not make that claim; the provider's source
 * (a token not limited to tenants) or an admin does.
 */
function dedicationProblems(snapshot: Snapshot, grant: SyncGrant): SnapshotProblem[] {
  if (grant.tenants.length === 0) return [];
  const claim = "dedicated hardware rules other tenants' units off a machine, which a token limited to tenants may not claim; sync it with the provider's source";
  return [
    ...snapshot.virtualMachines.flatMap((vm, i) => (vm.dedicated ? [{ path: ["virtualMachines", String(i), "dedicated"], message: `virtual machine "${vm.id}": ${claim}` }] : [])),
    ...snapshot.hosts.flatMap((host, i) => (host.dedicatedTo ? [{ path: ["hosts", String(i), "dedicatedTo"], message: `host "${host.id}": ${claim}` }] : [])),
  ];
}

/** A complete snapshot removes what its source no longer lists: refused if that reaches outside the grant. */
async function heldOutsideGrant(tx: SqlClient, snapshot: Snapshot, grant: SyncGrant): Promise<SnapshotProblem[]> {
  const problems: SnapshotProblem[] = [];
  for (const kind of INVENTORY_KINDS) {
    const field = TENANT_FIELD[kind];
    const kindOutside = grant.kinds.length > 0 && !grant.kinds.includes(kind);
    if (!kindOutside && (grant.tenants.length === 0 || !field)) continue;
    const column = field === "id" ? "key" : TABLES[kind].columns.find((c) => c.field === field)?.column;
    const outside = kindOutside ? "TRUE" : `t.${column} IS NOT NULL AND NOT (t.${column} = ANY($2::text[]))`;
    const [row] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${TABLES[kind].table} t WHERE t.source = $1 AND ${outside}`, [snapshot.source, [...grant.tenants]]);
    if (row.n === 0) continue;
    problems.push({
      path: [kind],
      message: `source "${snapshot.source}" holds ${row.n} ${kind} outside this token's grant, which this complete snapshot would remove; an admin's sync may remove them`,
    });
  }
  return problems;
}

/** New ids of placing kinds that objects of other sources, outside the grant, already name. */
async function squattedIds(tx: SqlClient, snapshot: Snapshot, grant: SyncGrant): Promise<SnapshotProblem[]> {
  const problems: SnapshotProblem[] = [];
  for (const kind of PLACING_KINDS) {
    if (snapshot[kind].length === 0) continue;
    const index = new Map(snapshot[kind].map((r, i) => [r.id, i]));
    for (const namer of INVENTORY_KINDS) {
      for (const ref of TABLES[namer].references.filter((r) => r.target === kind)) {
        const column = TABLES[namer].columns.find((c) => c.field === ref.field)!.column;
        const tenantOwned = TENANT_FIELD[namer] === "tenant";
        const rows = await tx.query<{ key: string; by: string; source: string }>(
          `SELECT DISTINCT ON (k.key) k.key, r.key AS by, r.source FROM unnest($1::text[]) AS k(key)
             JOIN ${TABLES[namer].table} r ON ${ref.many ? `k.key = ANY(r.${column})` : `r.${column} = k.key`}
            WHERE r.source <> $2 AND NOT EXISTS (SELECT 1 FROM ${TABLES[kind].table} t WHERE t.key = k.key)
              ${tenantOwned ? "AND NOT (r.tenant = ANY($3::text[]))" : ""}
            ORDER BY k.key, r.key LIMIT 100`,
          tenantOwned ? [[...index.keys()], snapshot.source, [...grant.tenants]] : [[...index.keys()], snapshot.source],
        );
        for (const row of rows) {
          problems.push({
            path: [kind, String(index.get(row.key)), "id"],
            message: `${TABLES[kind].noun} "${row.key}" is already named by ${TABLES[namer].noun} "${row.by}" of source "${row.source}", outside this token's tenants; taking that id would place it`,
          });
        }
      }
    }
  }
  return problems;
}
