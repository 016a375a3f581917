import type { SqlClient } from "../db/sql-client.ts";
import { DEFAULT_POLICY, type Policy } from "../domain/policy.ts";
import { rank, type IsolationLevel } from "../domain/scale.ts";

/*
 * The isolation policy in the database: every change is a new version, the newest is in force,
 * and no row at all means the contract's default (version 0).
 */
export interface StoredPolicy extends Policy {
  comment: string | null;
  createdAt: Date | null;
}

interface PolicyRow {
  version: number;
  same_tenant: IsolationLevel;
  same_organization: IsolationLevel;
  other_organization: IsolationLevel;
  comment: string | null;
  created_at: Date | string;
}

const DEFAULT_STORED: StoredPolicy = { ...DEFAULT_POLICY, comment: "the contract's default", createdAt: null };

export function policyFromRow(row: PolicyRow | null | undefined): StoredPolicy {
  if (!row) return DEFAULT_STORED;
  return {
    version: row.version,
    sameTenant: row.same_tenant,
    sameOrganization: row.same_organization,
    otherOrganization: row.other_organization,
    comment: row.comment,
    createdAt: new Date(row.created_at),
  };
}

export async function policyHistory(sql: SqlClient): Promise<StoredPolicy[]> {
  const rows = await sql.query<PolicyRow>(`SELECT * FROM isolation_policy ORDER BY version DESC`);
  return [...rows.map(policyFromRow), DEFAULT_STORED];
}

export interface PolicyChange {
  sameTenant: IsolationLevel;
  sameOrganization: IsolationLevel;
  otherOrganization: IsolationLevel;
  comment?: string | null;
}

/** Problems with a change: a closer relationship may not require more than a farther one. */
export function checkPolicy(change: PolicyChange): { path: string[]; message: string }[] {
  const problems: { path: string[]; message: string }[] = [];
  if (rank(change.sameTenant) > rank(change.sameOrganization)) {
    problems.push({ path: ["sameTenant"], message: `sameTenant (${change.sameTenant}) must not require more than sameOrganization (${change.sameOrganization}): a tenant trusts itself at least as much as its organization` });
  }
  if (rank(change.sameOrganization) > rank(change.otherOrganization)) {
    problems.push({ path: ["sameOrganization"], message: `sameOrganization (${change.sameOrganization}) must not require more than otherOrganization (${change.otherOrganization}): tenants of one organization trust each other more` });
  }
  return problems;
}

export async function savePolicy(sql: SqlClient, change: PolicyChange): Promise<StoredPolicy> {
  const [row] = await sql.query<PolicyRow>(`INSERT INTO isolation_policy (same_tenant, same_organization, other_organization, comment) VALUES ($1, $2, $3, $4) RETURNING *`, [
    change.sameTenant,
    change.sameOrganization,
    change.otherOrganization,
    change.comment ?? null,
  ]);
  return policyFromRow(row);
}
