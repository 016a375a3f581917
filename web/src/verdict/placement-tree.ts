/*
 * One side's units as a tree up the tenancy scale, root first: planet → hazard zones →
 * datacenter → PDU and switch → rack → host → VM → container. A rack draws from PDUs and hangs
 * off switches, and a datacenter may lie in several hazard zones; each such set is one node
 * (its members listed), so the placement stays a tree. A step nobody knows (a cloud VM's hidden
 * host) is left out: the edge spans the rows between.
 */
import type { ContainerPlace, Dc, HostPlace, UnitsOf, VmPlace } from './placement-query.ts';

/** The rows of a tree, top (outermost) first: the order of the tenancy scale, outermost first. */
export const ROWS = ['planet', 'hazard', 'datacenter', 'domains', 'rack', 'host', 'vm', 'container'] as const;
export type Row = (typeof ROWS)[number] | 'unknown';

export const ROW_LABELS: Record<Row, string> = {
  planet: 'planet',
  hazard: 'hazard zone',
  datacenter: 'datacenter',
  domains: 'PDU · switch',
  rack: 'rack',
  host: 'host',
  vm: 'VM',
  container: 'container',
  unknown: 'placement unknown',
};

export interface PlaceNode {
  id: string;
  row: Row;
  /** The keys this node stands for (one, except a set of PDUs and switches or hazard zones). */
  keys: string[];
  label: string;
  children: PlaceNode[];
}

type Step = Omit<PlaceNode, 'children'>;

/** `hidden`: the caller's role sees no infrastructure (a tenant token), so a missing step is not shown rather than unknown. */
export function placementTree(units: UnitsOf | null, hidden = false): PlaceNode {
  const root: PlaceNode = { id: 'root', row: 'planet', keys: [], label: '', children: [] };
  if (!units) return root;
  const byId = new Map<string, PlaceNode>([['root', root]]);
  const add = (chain: Step[]) => {
    let parent = root;
    for (const step of chain.reverse()) {
      let node = byId.get(step.id);
      if (!node) {
        node = { ...step, children: [] };
        byId.set(step.id, node);
        parent.children.push(node);
      }
      parent = node;
    }
  };
  for (const vm of units.virtualMachines.nodes) add(vmChain(vm));
  for (const container of units.containers.nodes) add(containerChain(container));
  const unknown = byId.get('unknown');
  if (unknown && hidden) unknown.label = 'placement not shown to this token';
  return root;
}

/** A leaf's steps, innermost first. */
function containerChain(container: ContainerPlace): Step[] {
  const self = step('container', container.key, `${container.key} (${container.runtime})`);
  if (container.virtualMachine) return [self, ...vmChain(container.virtualMachine)];
  if (container.host) return [self, ...hostChain(container.host)];
  return [self, unknownStep()];
}

function vmChain(vm: VmPlace): Step[] {
  const self = step('vm', vm.key);
  if (vm.host) return [self, ...hostChain(vm.host)];
  if (vm.datacenter) return [self, ...dcChain(vm.datacenter)];
  return [self, unknownStep()];
}

function hostChain(host: HostPlace): Step[] {
  const self = step('host', host.key);
  const rack = host.rack;
  if (rack) {
    const domains = [...rack.powerDomainKeys.map((k) => `PDU ${k}`), ...rack.networkDomainKeys.map((k) => `switch ${k}`)];
    const up = rack.datacenter ? dcChain(rack.datacenter) : [unknownStep()];
    const group = domains.length > 0 ? [{ id: `domains:${domains.join(',')}`, row: 'domains' as const, keys: [...rack.powerDomainKeys, ...rack.networkDomainKeys], label: domains.join(' · ') }] : [];
    return [self, step('rack', rack.key), ...group, ...up];
  }
  if (host.datacenter) return [self, ...dcChain(host.datacenter)];
  return [self, unknownStep()];
}

function dcChain(dc: Dc): Step[] {
  const zones = [...dc.hazardZones].sort();
  const hazard: Step = zones.length > 0
    ? { id: `hazard:${zones.join(',')}`, row: 'hazard', keys: zones, label: zones.join(' · ') }
    : { id: `region:${dc.region ?? '?'}`, row: 'hazard', keys: dc.region ? [dc.region] : [], label: dc.region ? `region ${dc.region}` : 'no hazard zone listed' };
  return [step('datacenter', dc.key), hazard, step('planet', dc.planet)];
}

const step = (row: Row, key: string, label = key): Step => ({ id: `${row}:${key}`, row, keys: [key], label });
const unknownStep = (): Step => ({ id: 'unknown', row: 'unknown', keys: [], label: 'placement unknown' });

/** The rows a shared thing of this kind can be found in, for highlighting. */
export const SHARED_ROWS: Record<string, Row[]> = {
  CONTAINING_UNIT: ['container', 'vm', 'host'],
  SHARED_UNIT: ['container', 'vm', 'host'],
  RACK: ['rack'],
  POWER_DOMAIN: ['domains'],
  NETWORK_DOMAIN: ['domains'],
  DATACENTER: ['datacenter'],
  HAZARD_ZONE: ['hazard'],
  REGION: ['hazard'],
  PLANET: ['planet'],
  // Keyed by the datacenter that lists no hazard zones (so its zones may be the other's).
  POSSIBLE_HAZARD_ZONE: ['datacenter'],
};

/** Does this node stand for the shared thing (kind, key)? */
export function isShared(node: Pick<PlaceNode, 'row' | 'keys'>, shared: { kind: string; key: string | null }[]): boolean {
  return shared.some((s) => s.key !== null && (SHARED_ROWS[s.kind] ?? []).includes(node.row) && node.keys.includes(s.key));
}
