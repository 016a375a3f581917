import { ANTI_AFFINITY_LEVELS, ANTI_AFFINITY_MODES, isIsolationLevel } from "../domain/scale.ts";
import {
  INVENTORY_KINDS,
  type AntiAffinityRule,
  type InventoryKind,
  type Snapshot,
  type SnapshotProblem,
} from "./snapshot.ts";
import { inventoryTextProblem } from "./inventory-text.ts";

/**
 * Validates a snapshot document (already parsed from JSON) against the contract, collecting
 * every problem with its JSON path rather than stopping at the first: an operator fixing a
 * connector wants the whole list. Checks that need the database (ids owned by another
 * source, cycles through other sources' units, dangling references) are the sync's.
 */
export type ValidationResult = { ok: true; snapshot: Snapshot } | { ok: false; problems: SnapshotProblem[] };

type FieldType = "string" | "strings" | "boolean" | "isolationLevel" | "antiAffinityRules" | "positiveInteger";
interface FieldSpec {
  type: FieldType;
  required?: boolean;
}

/** Every field each kind accepts; anything else is refused as unknown. */
const FIELDS: Record<InventoryKind, Record<string, FieldSpec>> = {
  datacenters: {
    id: { type: "string", required: true },
    name: { type: "string" },
    provider: { type: "string" },
    region: { type: "string" },
    hazardZones: { type: "strings" },
    planet: { type: "string" },
  },
  powerDomains: { id: { type: "string", required: true }, datacenter: { type: "string", required: true } },
  networkDomains: { id: { type: "string", required: true }, datacenter: { type: "string", required: true } },
  racks: {
    id: { type: "string", required: true },
    datacenter: { type: "string", required: true },
    powerDomains: { type: "strings" },
    networkDomains: { type: "strings" },
  },
  hosts: {
    id: { type: "string", required: true },
    rack: { type: "string" },
    datacenter: { type: "string" },
    dedicatedTo: { type: "string" },
  },
  tenants: {
    id: { type: "string", required: true },
    name: { type: "string" },
    organization: { type: "string", required: true },
  },
  workloads: {
    id: { type: "string", required: true },
    tenant: { type: "string", required: true },
    minimumIsolation: { type: "isolationLevel" },
    antiAffinity: { type: "antiAffinityRules" },
    minHealthyReplicas: { type: "positiveInteger" },
  },
  virtualMachines: {
    id: { type: "string", required: true },
    host: { type: "string" },
    container: { type: "string" },
    datacenter: { type: "string" },
    tenant: { type: "string", required: true },
    workload: { type: "string" },
    dedicated: { type: "boolean" },
  },
  containers: {
    id: { type: "string", required: true },
    virtualMachine: { type: "string" },
    host: { type: "string" },
    runtime: { type: "string" },
    tenant: { type: "string", required: true },
    workload: { type: "string" },
  },
};

/** Where a unit may sit: a unit naming more than one of these has two parents. */
const PLACEMENT_FIELDS: Partial<Record<InventoryKind, string[]>> = {
  virtualMachines: ["host", "container", "datacenter"],
  containers: ["virtualMachine", "host"],
};

const FIELD_LISTS = Object.fromEntries(
  Object.entries(FIELDS).map(([kind, fields]) => [kind, Object.entries(fields)]),
) as Record<InventoryKind, [string, FieldSpec][]>;

const TOP_LEVEL = new Set(["source", "complete", ...INVENTORY_KINDS]);
const RULE_FIELDS = new Set(["level", "maxPerDomain", "minDomains", "maxSkew", "mode"]);

export function validateSnapshot(document: unknown): ValidationResult {
  const problems: SnapshotProblem[] = [];
  const problem = (path: (string | number)[], message: string) =>
    problems.push({ path: path.map(String), message });

  if (!isPlainObject(document)) {
    problem([], "a snapshot must be a JSON object");
    return { ok: false, problems };
  }
  for (const key of Object.keys(document)) {
    if (!TOP_LEVEL.has(key)) problem([key], `unknown field "${key}"`);
  }
  const source = document.source;
  if (typeof source !== "string" || source.trim() === "") problem(["source"], "source is required: a non-empty string naming the system that synced this inventory");
  else checkText(source.trim(), ["source"], problem);
  if (document.complete !== undefined && typeof document.complete !== "boolean") problem(["complete"], "complete must be true or false");

  const out: Record<string, Record<string, unknown>[]> = {};
  for (const kind of INVENTORY_KINDS) {
    out[kind] = [];
    const items = document[kind];
    if (items === undefined) continue;
    if (!Array.isArray(items)) {
      problem([kind], `${kind} must be an array`);
      continue;
    }
    const seen = new Map<string, number>();
    items.forEach((item, index) => {
      const record = validateRecord(kind, item, kind, index, problem);
      if (!record) return;
      const first = seen.get(record.id as string);
      if (first !== undefined) problem([kind, index, "id"], `duplicate id "${record.id as string}" (also at ${kind}[${first}])`);
      else seen.set(record.id as string, index);
      out[kind].push(record);
    });
  }
  if (problems.length === 0) findCycles(out, problem);
  if (problems.length > 0) return { ok: false, problems };

  return {
    ok: true,
    snapshot: {
      source: (source as string).trim(),
      complete: document.complete === true,
      // Safe: `out` holds every kind, each record checked field by field above (FIELDS).
      ...(out as unknown as Omit<Snapshot, "source" | "complete">),
    },
  };
}

function validateRecord(
  kind: InventoryKind,
  item: unknown,
  collection: string,
  index: number,
  problem: (path: (string | number)[], message: string) => void,
): Record<string, unknown> | null {
  const path = [collection, index];
  if (!isPlainObject(item)) {
    problem(path, `each entry of ${kind} must be an object`);
    return null;
  }
  const fields = FIELDS[kind];
  let valid = true;
  for (const key of Object.keys(item)) {
    if (!(key in fields)) {
      problem([...path, key], `unknown field "${key}" on ${kind}`);
      valid = false;
    }
  }
  const record: Record<string, unknown> = {};
  for (const [name, spec] of FIELD_LISTS[kind]) {
    const value = item[name];
    if (value === undefined || value === null) {
      if (spec.required) {
        problem([...path, name], `${name} is required`);
        valid = false;
      }
      record[name] = defaultFor(kind, name, spec);
      continue;
    }
    // The common case first, without building a path: a plain string where one is expected.
    if (spec.type === "string" && typeof value === "string" && value.trim() !== "" && inventoryTextProblem(value) === null) {
      record[name] = value;
      continue;
    }
    const checked = checkField(spec.type, value, () => [...path, name], problem);
    if (checked === undefined) valid = false;
    else record[name] = checked;
  }
  const placement = (PLACEMENT_FIELDS[kind] ?? []).filter((name) => record[name] !== null);
  if (placement.length > 1) {
    problem(path, `a unit has one parent, but this one names ${placement.join(" and ")}`);
    valid = false;
  }
  return valid ? record : null;
}

function defaultFor(kind: InventoryKind, name: string, spec: FieldSpec): unknown {
  if (kind === "containers" && name === "runtime") return "runc";
  if (spec.type === "strings" || spec.type === "antiAffinityRules") return [];
  if (spec.type === "boolean") return false;
  return null;
}

function checkField(
  type: FieldType,
  value: unknown,
  pathOf: () => (string | number)[],
  problem: (path: (string | number)[], message: string) => void,
): unknown {
  const at = pathOf();
  switch (type) {
    case "string":
      if (typeof value === "string" && value.trim() !== "") return checkText(value, at, problem) ? value : undefined;
      problem(at, "must be a non-empty string");
      return undefined;
    case "boolean":
      if (typeof value === "boolean") return value;
      problem(at, "must be true or false");
      return undefined;
    case "strings": {
      if (!Array.isArray(value)) {
        problem(at, "must be an array of strings");
        return undefined;
      }
      const bad = value.findIndex((v) => typeof v !== "string" || v.trim() === "");
      if (bad >= 0) {
        problem([...at, bad], "must be a non-empty string");
        return undefined;
      }
      if (!(value as string[]).every((v, i) => checkText(v, [...at, i], problem))) return undefined;
      return [...new Set(value as string[])];
    }
    case "isolationLevel":
      if (isIsolationLevel(value)) return value;
      problem(at, `unknown isolation level ${JSON.stringify(value)}; expected one of PROCESS, CONTAINER, SANDBOX, VIRTUAL_MACHINE, HOST, RACK, DATACENTER, HAZARD_ZONE, PLANET`);
      return undefined;
    case "antiAffinityRules":
      return checkRules(value, at, problem);
    case "positiveInteger":
      if (Number.isInteger(value) && (value as number) >= 1) return value;
      problem(at, "must be a whole number of at least 1");
      return undefined;
  }
}

/** Checks anti-affinity rules (a snapshot's, or ones set over GraphQL), collecting problems. */
export function checkRules(
  value: unknown,
  at: (string | number)[],
  problem: (path: (string | number)[], message: string) => void,
): AntiAffinityRule[] | undefined {
  if (!Array.isArray(value)) {
    problem(at, "must be an array of anti-affinity rules");
    return undefined;
  }
  const rules: AntiAffinityRule[] = [];
  let valid = true;
  value.forEach((rule, index) => {
    const path = [...at, index];
    if (!isPlainObject(rule)) {
      problem(path, "an anti-affinity rule must be an object");
      valid = false;
      return;
    }
    for (const key of Object.keys(rule)) {
      if (!RULE_FIELDS.has(key)) {
        problem([...path, key], `unknown field "${key}" on an anti-affinity rule`);
        valid = false;
      }
    }
    if (!(ANTI_AFFINITY_LEVELS as readonly unknown[]).includes(rule.level)) {
      problem([...path, "level"], `unknown anti-affinity level ${JSON.stringify(rule.level)}; expected one of ${ANTI_AFFINITY_LEVELS.join(", ")}`);
      valid = false;
    }
    const mode = rule.mode ?? "HARD";
    if (!(ANTI_AFFINITY_MODES as readonly unknown[]).includes(mode)) {
      problem([...path, "mode"], `unknown mode ${JSON.stringify(rule.mode)}; expected HARD or SOFT`);
      valid = false;
    }
    for (const bound of ["maxPerDomain", "minDomains", "maxSkew"] as const) {
      const n = rule[bound];
      if (n !== undefined && !(Number.isInteger(n) && (n as number) >= 1)) {
        problem([...path, bound], `${bound} must be a whole number of at least 1`);
        valid = false;
      }
    }
    if (!valid) return;
    const checked: AntiAffinityRule = { level: rule.level as AntiAffinityRule["level"], mode: mode as AntiAffinityRule["mode"] };
    if (rule.maxPerDomain !== undefined) checked.maxPerDomain = rule.maxPerDomain as number;
    if (rule.minDomains !== undefined) checked.minDomains = rule.minDomains as number;
    if (rule.maxSkew !== undefined) checked.maxSkew = rule.maxSkew as number;
    rules.push(checked);
  });
  return valid ? rules : undefined;
}

/**
 * A containment cycle inside the snapshot: VM a in container b in VM a. Only VM↔container
 * links can form one (hosts are roots). Cycles through other sources' units are checked by
 * the sync against the database.
 */
function findCycles(
  out: Record<string, Record<string, unknown>[]>,
  problem: (path: (string | number)[], message: string) => void,
) {
  // Every cycle passes through a VM inside a container, so walking up from those is enough.
  const vmIndex = new Map<string, number>();
  out.virtualMachines.forEach((vm, i) => {
    if (vm.container) vmIndex.set(vm.id as string, i);
  });
  if (vmIndex.size === 0) return;
  const containerIndex = new Map<string, number>();
  out.containers.forEach((ct, i) => {
    if (ct.virtualMachine && vmIndex.has(ct.virtualMachine as string)) containerIndex.set(ct.id as string, i);
  });
  const reported = new Set<string>();
  for (const start of vmIndex.keys()) {
    // Alternate VM → its container → that container's VM …, until a root or a repeat.
    const chain: string[] = [];
    let vm: string | undefined = start;
    while (vm !== undefined && !chain.includes(vm)) {
      chain.push(vm);
      const container = out.virtualMachines[vmIndex.get(vm)!].container as string;
      const ci = containerIndex.get(container);
      vm = ci === undefined ? undefined : (out.containers[ci].virtualMachine as string);
      if (vm !== undefined && !vmIndex.has(vm)) vm = undefined;
    }
    if (vm === undefined || reported.has(vm)) continue;
    const cycle = chain.slice(chain.indexOf(vm));
    cycle.forEach((v) => reported.add(v));
    const names = cycle.flatMap((v) => [`virtual machine ${v}`, `container ${out.virtualMachines[vmIndex.get(v)!].container as string}`]);
    problem(["virtualMachines", vmIndex.get(vm)!, "container"], `containment cycle: ${[...names, `virtual machine ${vm}`].join(" inside ")}`);
  }
}

/** Inventory text follows one rule (src/inventory/inventory-text.ts); false after reporting why not. */
function checkText(text: string, at: (string | number)[], problem: (path: (string | number)[], message: string) => void): boolean {
  const wrong = inventoryTextProblem(text);
  if (wrong) problem(at, wrong);
  return wrong === null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
