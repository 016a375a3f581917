import { describe, expect, it } from "vitest";
import { AccessScope, type ScopedKind } from "../../src/access/access-scope.ts";
import { principal, ROLES, type Role } from "../../src/access/principal.ts";
import { INVENTORY_KINDS } from "../../src/inventory/snapshot.ts";

/*
 * AccessScope.rowCondition and seesRow on their own: every kind a scope can limit, for every
 * role, bound to a tenant or not. The HTTP tests (tenant-wall.test.ts) prove the conditions
 * against PostgreSQL; this table says what each one is, so a new kind without a decision fails.
 */

const KINDS: readonly ScopedKind[] = [...INVENTORY_KINDS, "sources", "syncRuns"];

const SOURCES_OF_TENANT = `(EXISTS (SELECT 1 FROM tenant x WHERE x.source = t.key AND x.key = $1)
              OR EXISTS (SELECT 1 FROM workload x WHERE x.source = t.key AND x.tenant = $1)
              OR EXISTS (SELECT 1 FROM virtual_machine x WHERE x.source = t.key AND x.tenant = $1)
              OR EXISTS (SELECT 1 FROM container x WHERE x.source = t.key AND x.tenant = $1))`;

/** A tenant caller's condition per kind: its own rows, the sources that synced them, no infrastructure. */
const TENANT_CONDITION: Record<ScopedKind, string> = {
  datacenters: "FALSE",
  powerDomains: "FALSE",
  networkDomains: "FALSE",
  racks: "FALSE",
  hosts: "FALSE",
  tenants: "t.key = $1",
  workloads: "t.tenant = $1",
  virtualMachines: "t.tenant = $1",
  containers: "t.tenant = $1",
  sources: SOURCES_OF_TENANT,
  syncRuns: "FALSE",
};

/** The condition and the values it bound, with placeholders numbered as a statement would. */
function conditionOf(scope: AccessScope, kind: ScopedKind) {
  const bound: string[] = [];
  const condition = scope.rowCondition(kind, (value) => {
    bound.push(value);
    return `$${bound.length}`;
  });
  return { condition, bound };
}

const tenantScope = new AccessScope(principal("token:acme", "tenant", { tenant: "acme" }));

describe("AccessScope.rowCondition", () => {
  it("has a decision for every kind a scope can limit", () => {
    expect(Object.keys(TENANT_CONDITION).sort()).toEqual([...KINDS].sort());
  });

  const unbound = ROLES.filter((role) => role !== "tenant");
  it.each(unbound.flatMap((role) => KINDS.map((kind) => [role, kind] as [Role, ScopedKind])))("%s caller, %s: every row, nothing bound", (role, kind) => {
    expect(conditionOf(new AccessScope(principal(`token:${role}`, role)), kind)).toEqual({ condition: "TRUE", bound: [] });
  });

  it.each(KINDS.map((kind) => [kind]))("tenant caller, %s: only its own rows, the tenant bound only when named", (kind) => {
    const { condition, bound } = conditionOf(tenantScope, kind);
    expect(condition).toBe(TENANT_CONDITION[kind]);
    // PostgreSQL refuses a parameter no statement names: bound exactly when the condition uses it.
    expect(bound).toEqual(condition.includes("$1") ? ["acme"] : []);
  });

  it("binds the tenant's key as a value, never into the SQL text", () => {
    const scope = new AccessScope(principal("token:evil", "tenant", { tenant: "x' OR TRUE --" }));
    for (const kind of KINDS) {
      const { condition, bound } = conditionOf(scope, kind);
      expect(condition).not.toContain("OR TRUE");
      expect(bound.every((value) => value === "x' OR TRUE --")).toBe(true);
    }
  });
});

describe("AccessScope.seesRow, the second wall", () => {
  const own = { key: "acme", tenant: "acme" };
  const other = { key: "globex", tenant: "globex" };
  /** What a tenant caller may see of its own row and of another tenant's, per kind. */
  const SEES: Record<ScopedKind, [boolean, boolean]> = {
    datacenters: [false, false],
    powerDomains: [false, false],
    networkDomains: [false, false],
    racks: [false, false],
    hosts: [false, false],
    tenants: [true, false],
    workloads: [true, false],
    virtualMachines: [true, false],
    containers: [true, false],
    // Only reachable through the SQL condition, which proves the source synced the tenant's rows.
    sources: [true, true],
    syncRuns: [false, false],
  };

  it.each(KINDS.map((kind) => [kind]))("%s: agrees with the SQL condition for a tenant caller, every row for the others", (kind) => {
    expect([tenantScope.seesRow(kind, own), tenantScope.seesRow(kind, other)]).toEqual(SEES[kind]);
    if (TENANT_CONDITION[kind] === "FALSE") expect(SEES[kind]).toEqual([false, false]);
    for (const role of ROLES.filter((r) => r !== "tenant")) {
      expect(new AccessScope(principal(`token:${role}`, role)).seesRow(kind, other)).toBe(true);
    }
  });

  it("fails the request when a row outside the scope got past the SQL condition", () => {
    expect(tenantScope.checked("workloads", [{ key: "w", tenant: "acme" }])).toHaveLength(1);
    expect(() =>
      tenantScope.checked("workloads", [
        { key: "w", tenant: "acme" },
        { key: "v", tenant: "globex" },
      ]),
    ).toThrow("access: a workloads row outside token:acme's scope passed the SQL condition");
  });
});
