import { describeSharedThing, describeUnit, kindOfSharedThing } from "../domain/explain-verdict.ts";
import { cachedChainOf, type SharedThing } from "../domain/separation.ts";
import type { Topology, UnitRef } from "../domain/topology.ts";
import type { EvidencePair } from "../domain/verdict.ts";

/*
 * IsolationVerdict.diagram: where the weakest pairs meet, as Mermaid or Graphviz DOT text for
 * tools that render them. Each unit is drawn up its way (container → VM → host → rack →
 * datacenter) until the thing it shares with the other side, which is marked. For a caller
 * that may not see the other side (a tenant token), only the caller's own units carry keys:
 * the other unit is "a unit of tenant Y" and the shared thing only its kind, as in `evidence`.
 */
export type DiagramFormat = "MERMAID" | "DOT";

export interface DiagramVerdict {
  workload: string;
  tenant: string;
  outcome: string;
  required: string;
  actual: string;
}

interface Graph {
  labels: Map<string, string>;
  shared: Set<string>;
  edges: Set<string>;
}

/** `ownsUnit`: set for a caller that sees only its own units (null: sees everything). */
export function verdictDiagram(topology: Topology, verdict: DiagramVerdict, pairs: EvidencePair[], format: DiagramFormat, ownsUnit: ((unit: UnitRef) => boolean) | null): string {
  const graph: Graph = { labels: new Map(), shared: new Set(), edges: new Set() };
  pairs.forEach((pair, i) => {
    const meet = ownsUnit && !(pair.shared.kind === "UNIT" && ownsUnit(pair.shared.unit)) ? redactedMeeting(pair.shared, i) : meeting(pair.shared);
    if (meet) {
      // A shared unit is labelled as it is drawn on the way up (with its owner).
      graph.labels.set(meet.id, meet.label || unitLabel(topology, (pair.shared as { unit: UnitRef }).unit));
      graph.shared.add(meet.id);
    }
    climb(graph, topology, pair.unit, pair.shared, meet?.id ?? null, ownsUnit);
    if (ownsUnit) {
      const other = `other:${i}`;
      graph.labels.set(other, `a unit of tenant ${verdict.tenant}`);
      if (meet) graph.edges.add(`${other}\u0000${meet.id}`);
    } else climb(graph, topology, pair.other, pair.shared, meet?.id ?? null, null);
  });
  const title = `${verdict.workload} from tenant ${verdict.tenant}: ${verdict.outcome.replace("_", " ")} (needs ${verdict.required}, proven ${verdict.actual})`;
  return format === "MERMAID" ? mermaid(graph, title) : dot(graph, title);
}

/** The shared thing's node: its id and label (null when nothing is shared). */
function meeting(shared: SharedThing): { id: string; label: string } | null {
  switch (shared.kind) {
    case "NOTHING":
      return null;
    case "UNIT":
      return { id: `${shared.unit.kind}:${shared.unit.key}`, label: "" };
    case "POSSIBLE_HOST":
      return { id: `possible-host:${shared.datacenter ?? ""}`, label: describeSharedThing(shared) };
    default:
      return { id: `${shared.kind}:${shared.key}`, label: describeSharedThing(shared) };
  }
}

function redactedMeeting(shared: SharedThing, pair: number): { id: string; label: string } | null {
  return shared.kind === "NOTHING" ? null : { id: `shared:${pair}`, label: kindOfSharedThing(shared) };
}

/** One unit's way up, as edges, until the meeting point (or the top when nothing is shared). */
function climb(graph: Graph, topology: Topology, unit: UnitRef, shared: SharedThing, meet: string | null, ownsUnit: ((unit: UnitRef) => boolean) | null) {
  const chain = cachedChainOf(topology, unit);
  const steps: { id: string; label: string }[] = chain.links.map((link) => ({ id: `${link.kind}:${link.key}`, label: unitLabel(topology, link) }));
  if (ownsUnit) {
    const own = steps.filter((_, i) => chain.links[i].kind !== "host" && ownsUnit(chain.links[i]));
    return link(graph, [...own, ...(meet && !own.some((s) => s.id === meet) ? [{ id: meet, label: graph.labels.get(meet)! }] : [])]);
  }
  if (chain.rack) steps.push({ id: `RACK:${chain.rack}`, label: `rack ${chain.rack}` });
  if ((shared.kind === "POWER_DOMAIN" || shared.kind === "NETWORK_DOMAIN") && meet) steps.push({ id: meet, label: graph.labels.get(meet)! });
  if (chain.datacenter) steps.push({ id: `DATACENTER:${chain.datacenter}`, label: `datacenter ${chain.datacenter}` });
  if (meet && !steps.some((s) => s.id === meet)) steps.push({ id: meet, label: graph.labels.get(meet)! });
  const end = meet ? steps.findIndex((s) => s.id === meet) : steps.length - 1;
  link(graph, steps.slice(0, end + 1));
}

/** "container c-3 · geology": whose unit it is, where the inventory says. */
function unitLabel(topology: Topology, unit: UnitRef): string {
  const owner = unit.kind === "container" ? topology.containers.get(unit.key)?.tenant : unit.kind === "virtualMachine" ? topology.virtualMachines.get(unit.key)?.tenant : undefined;
  return owner ? `${describeUnit(unit)} · ${owner}` : describeUnit(unit);
}

function link(graph: Graph, steps: { id: string; label: string }[]) {
  steps.forEach((step, i) => {
    graph.labels.set(step.id, step.label);
    if (i > 0) graph.edges.add(`${steps[i - 1].id}\u0000${step.id}`);
  });
}

function mermaid(graph: Graph, title: string): string {
  const ids = shortIds(graph);
  const text = (s: string) => s.replace(/["<>#]/g, (c) => `#${c.charCodeAt(0)};`);
  return (
    [
      `%% ${title.replace(/[\r\n]/g, " ")}`,
      "flowchart BT",
      ...[...graph.labels].map(([id, label]) => `  ${ids.get(id)}["${text(label)}"]`),
      ...[...graph.edges].map((e) => e.split("\u0000")).map(([from, to]) => `  ${ids.get(from)} --> ${ids.get(to)}`),
      "  classDef shared fill:#ffd5cc,stroke:#b02a12,stroke-width:3px",
      ...(graph.shared.size ? [`  class ${[...graph.shared].map((id) => ids.get(id)).join(",")} shared`] : []),
    ].join("\n") + "\n"
  );
}

function dot(graph: Graph, title: string): string {
  const ids = shortIds(graph);
  const quoted = (s: string) => `"${s.replace(/[\\"]/g, "\\$&").replace(/[\r\n]/g, " ")}"`;
  return (
    [
      "digraph verdict {",
      `  label=${quoted(title)};`,
      "  rankdir=BT;",
      "  node [shape=box, style=rounded];",
      ...[...graph.labels].map(([id, label]) => `  ${ids.get(id)} [label=${quoted(label)}${graph.shared.has(id) ? ', style="rounded,filled", fillcolor="#ffd5cc", color="#b02a12", penwidth=3' : ""}];`),
      ...[...graph.edges].map((e) => e.split("\u0000")).map(([from, to]) => `  ${ids.get(from)} -> ${ids.get(to)};`),
      "}",
    ].join("\n") + "\n"
  );
}

/** n0, n1, … in the order nodes were first drawn: ids any renderer accepts, whatever the keys hold. */
function shortIds(graph: Graph): Map<string, string> {
  return new Map([...graph.labels.keys()].map((id, i) => [id, `n${i}`]));
}
