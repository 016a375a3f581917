import { AntiAffinityRulesSchema } from "./inventory-fields.ts";
import { snapshotProblems } from "./snapshot-problems.ts";
import { INVENTORY, INVENTORY_KINDS, SnapshotSchema, type AntiAffinityRule, type InventoryKind, type Snapshot, type SnapshotProblem } from "./snapshot.ts";

/*
 * Validates a snapshot document (already parsed from JSON) against its declaration
 * (snapshot.ts), collecting every problem with its JSON path rather than stopping at the
 * first: an operator fixing a connector wants the whole list. Beyond the fields: each id once
 * per kind, one parent per unit, no containment cycle inside the snapshot. Checks that need
 * the database (ids owned by another source, cycles through other sources' units, dangling
 * references) are the sync's.
 */
export type ValidationResult = { ok: true; snapshot: Snapshot } | { ok: false; problems: SnapshotProblem[] };

type Problem = (path: (string | number)[], message: string) => void;

export function validateSnapshot(document: unknown): ValidationResult {
  const parsed = SnapshotSchema.safeParse(document);
  if (parsed.success) {
    const problems: SnapshotProblem[] = [];
    const problem: Problem = (path, message) => problems.push({ path: path.map(String), message });
    for (const kind of INVENTORY_KINDS) unitProblems(kind, parsed.data[kind], () => true, problem);
    hostDatacenterProblems(parsed.data, problem);
    if (problems.length === 0) findCycles(parsed.data, problem);
    return problems.length > 0 ? { ok: false, problems } : { ok: true, snapshot: parsed.data };
  }
  // Refused: the unit checks still run on the raw records, so the list is complete at once.
  const fieldProblems = snapshotProblems(parsed.error.issues);
  const refused = new Set(fieldProblems.filter((p) => p.path.length >= 2).map((p) => `${p.path[0]}\0${p.path[1]}`));
  const extra: (SnapshotProblem & { kind: number; index: number })[] = [];
  if (isPlainObject(document)) {
    INVENTORY_KINDS.forEach((kind, k) => {
      const items = document[kind];
      if (!Array.isArray(items)) return;
      const problem: Problem = (path, message) => extra.push({ path: path.map(String), message, kind: k, index: path[1] as number });
      unitProblems(kind, items, (index) => !refused.has(`${kind}\0${index}`), problem);
    });
  }
  return { ok: false, problems: inRecordOrder(fieldProblems, extra) };
}

/**
 * A unit naming two parents, and an id twice in a kind (among records otherwise valid): a
 * problem each, at the record, after its field problems.
 */
function unitProblems(kind: InventoryKind, records: readonly unknown[], valid: (index: number) => boolean, problem: Problem) {
  const placement: readonly string[] = (INVENTORY[kind] as { placement?: readonly string[] }).placement ?? [];
  // One hash operation per id (a Set's add); where each id is first is worked out only once one repeats.
  const seen = new Set<string>();
  let firstIndex: Map<string, number> | undefined;
  const firstOf = (id: string) => {
    firstIndex ??= firstPlaces(records, (i, r) => valid(i) && !twoParents(placement, r));
    return firstIndex.get(id);
  };
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    if (!isPlainObject(record)) continue;
    if (twoParents(placement, record)) {
      const named = placement.filter((name) => record[name] !== null && record[name] !== undefined);
      problem([kind, index], `a unit has one parent, but this one names ${named.join(" and ")}`);
      continue;
    }
    if (!valid(index)) continue;
    const id = record.id as string;
    const before = seen.size;
    if (seen.add(id).size === before) problem([kind, index, "id"], `duplicate id "${id}" (also at ${kind}[${firstOf(id)}])`);
  }
}

/** Each id's first index among the records `counts` keeps. */
function firstPlaces(records: readonly unknown[], counts: (index: number, record: Record<string, unknown>) => boolean): Map<string, number> {
  const first = new Map<string, number>();
  records.forEach((record, index) => {
    if (isPlainObject(record) && counts(index, record) && !first.has(record.id as string)) first.set(record.id as string, index);
  });
  return first;
}

function twoParents(placement: readonly string[], record: Record<string, unknown>): boolean {
  let parents = 0;
  for (const name of placement) if (record[name] !== null && record[name] !== undefined) parents++;
  return parents > 1;
}

/** Field problems (in document order) with the unit problems put after their record's. */
function inRecordOrder(fieldProblems: SnapshotProblem[], extra: (SnapshotProblem & { kind: number; index: number })[]): SnapshotProblem[] {
  if (extra.length === 0) return fieldProblems;
  const position = (p: SnapshotProblem): [number, number] => {
    const k = (INVENTORY_KINDS as readonly string[]).indexOf(p.path[0]);
    return k < 0 ? [-1, 0] : [k, p.path.length >= 2 ? Number(p.path[1]) : -1];
  };
  const out: SnapshotProblem[] = [];
  let next = 0;
  for (const p of fieldProblems) {
    const [k, i] = position(p);
    while (next < extra.length && k >= 0 && (extra[next].kind < k || (extra[next].kind === k && extra[next].index < i))) out.push(strip(extra[next++]));
    out.push(p);
  }
  while (next < extra.length) out.push(strip(extra[next++]));
  return out;
}

const strip = ({ path, message }: SnapshotProblem): SnapshotProblem => ({ path, message });

/** Checks anti-affinity rules (a snapshot's, or ones set over GraphQL), collecting problems at `at`. */
export function checkRules(value: unknown, at: (string | number)[], problem: Problem): AntiAffinityRule[] | undefined {
  const parsed = AntiAffinityRulesSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const p of snapshotProblems(parsed.error.issues, at)) problem(p.path, p.message);
  return undefined;
}

/**
 * A host that names a datacenter other than its rack's (the rack in this snapshot): it is in
 * one of the two, nobody can say which, and reading either would prove separation from the
 * other that the data does not hold.
 */
function hostDatacenterProblems(snapshot: Snapshot, problem: Problem) {
  const rackDatacenter = new Map(snapshot.racks.map((rack, index) => [rack.id, { datacenter: rack.datacenter, index }]));
  snapshot.hosts.forEach((host, i) => {
    const rack = host.rack ? rackDatacenter.get(host.rack) : undefined;
    if (rack && host.datacenter && host.datacenter !== rack.datacenter) {
      problem(["hosts", i, "datacenter"], `names datacenter "${host.datacenter}", but its rack "${host.rack}" is in datacenter "${rack.datacenter}" (racks[${rack.index}]): name one, or the same`);
    }
  });
}

/**
 * A containment cycle inside the snapshot: VM a in container b in VM a. Only VM↔container
 * links can form one (hosts are roots). Cycles through other sources' units are checked by
 * the sync against the database.
 */
function findCycles(snapshot: Snapshot, problem: Problem) {
  // Every cycle passes through a VM inside a container, so walking up from those is enough.
  const vmIndex = new Map<string, number>();
  snapshot.virtualMachines.forEach((vm, i) => {
    if (vm.container) vmIndex.set(vm.id, i);
  });
  if (vmIndex.size === 0) return;
  const containerIndex = new Map<string, number>();
  snapshot.containers.forEach((ct, i) => {
    if (ct.virtualMachine && vmIndex.has(ct.virtualMachine)) containerIndex.set(ct.id, i);
  });
  const containerOf = (vm: string) => snapshot.virtualMachines[vmIndex.get(vm)!].container!;
  const reported = new Set<string>();
  for (const start of vmIndex.keys()) {
    // Alternate VM → its container → that container's VM …, until a root or a repeat.
    const chain: string[] = [];
    let vm: string | undefined = start;
    while (vm !== undefined && !chain.includes(vm)) {
      chain.push(vm);
      const ci = containerIndex.get(containerOf(vm));
      vm = ci === undefined ? undefined : (snapshot.containers[ci].virtualMachine ?? undefined);
      if (vm !== undefined && !vmIndex.has(vm)) vm = undefined;
    }
    if (vm === undefined || reported.has(vm)) continue;
    const cycle = chain.slice(chain.indexOf(vm));
    cycle.forEach((v) => reported.add(v));
    const names = cycle.flatMap((v) => [`virtual machine ${v}`, `container ${containerOf(v)}`]);
    problem(["virtualMachines", vmIndex.get(vm)!, "container"], `containment cycle: ${[...names, `virtual machine ${vm}`].join(" inside ")}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
