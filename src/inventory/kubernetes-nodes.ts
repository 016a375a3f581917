import type { SqlClient } from "../db/sql-client.ts";
import type { KubernetesNodeRecord } from "./snapshot.ts";

/*
 * Each Kubernetes source's nodes by name, and the unit each runs as (snapshot.ts,
 * kubernetesNodes; table kubernetes_node). Written by the sync of that source, in its
 * transaction; read by the scheduler extender and the admission webhook, which know a node by
 * its name only: a cloud node's unit is the cloud VM its providerID names, keyed `i-0abc…`.
 */
export interface NodeUnit {
  kind: "virtualMachine" | "host";
  key: string;
}

/** Replaces the source's nodes with the snapshot's; true when they changed. Three statements at most. */
export async function syncKubernetesNodes(tx: SqlClient, source: string, nodes: readonly KubernetesNodeRecord[]): Promise<boolean> {
  const stored = await tx.query<{ name: string; virtual_machine: string | null; host: string | null }>(`SELECT name, virtual_machine, host FROM kubernetes_node WHERE source = $1 ORDER BY name COLLATE "C"`, [source]);
  const wanted = [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const same = stored.length === wanted.length && stored.every((row, i) => row.name === wanted[i].name && row.virtual_machine === wanted[i].virtualMachine && row.host === wanted[i].host);
  if (same) return false;
  await tx.query(`DELETE FROM kubernetes_node WHERE source = $1`, [source]);
  if (wanted.length > 0) {
    await tx.query(`INSERT INTO kubernetes_node (source, name, virtual_machine, host) SELECT $1, n.name, n.vm, n.host FROM unnest($2::text[], $3::text[], $4::text[]) AS n(name, vm, host)`, [
      source,
      wanted.map((n) => n.name),
      wanted.map((n) => n.virtualMachine),
      wanted.map((n) => n.host),
    ]);
  }
  return true;
}

/** The units of the named nodes of a source, as last synced; a name not there is left out. One statement. */
export async function kubernetesNodeUnits(sql: SqlClient, source: string, names: readonly string[]): Promise<Map<string, NodeUnit>> {
  if (names.length === 0) return new Map();
  const rows = await sql.query<{ name: string; virtual_machine: string | null; host: string | null }>(`SELECT name, virtual_machine, host FROM kubernetes_node WHERE source = $1 AND name = ANY($2::text[])`, [source, [...new Set(names)]]);
  return new Map(rows.map((row) => [row.name, row.virtual_machine !== null ? { kind: "virtualMachine", key: row.virtual_machine } : { kind: "host", key: row.host! }]));
}
