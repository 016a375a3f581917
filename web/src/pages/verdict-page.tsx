/*
 * The verdict page: pick a workload and a tenant; both sides' placements up the tenancy scale
 * with the weakest pairs' shared things marked, the outcome on the scale, the sentence and the
 * evidence. The URL (/verdict?workload=…&tenant=…) reopens the same view.
 */
import { useEffect, useState } from 'preact/hooks';
import { gql } from '../graphql-client.ts';
import { KeyPicker } from '../key-picker.tsx';
import { navigate, type Route } from '../router.ts';
import { downloadSvg } from '../svg-download.ts';
import { ErrorNote } from '../error-note.tsx';
import { UNITS_DRAWN, VERDICT_QUERY, type UnitsOf, type VerdictData } from '../verdict/placement-query.ts';
import { placementTree } from '../verdict/placement-tree.ts';
import { PlacementTreeView } from '../verdict/placement-tree-view.tsx';
import { ScaleView } from '../verdict/scale-view.tsx';

export const suggestWorkloads = (prefix: string) =>
  gql<{ workloads: { nodes: { key: string; tenantKey: string }[] } }>(
    'query($p: String) { workloads(filter: { keyPrefix: $p }, first: 20) { nodes { key tenantKey } } }',
    { p: prefix || null },
  ).then((d) => d.workloads.nodes.map((w) => ({ key: w.key, note: `tenant ${w.tenantKey}` })));

const suggestTenants = (prefix: string) =>
  gql<{ tenants: { nodes: { key: string; organization: string }[] } }>(
    'query($p: String) { tenants(filter: { keyPrefix: $p }, first: 20) { nodes { key organization } } }',
    { p: prefix || null },
  ).then((d) => d.tenants.nodes.map((t) => ({ key: t.key, note: t.organization })));

export function VerdictPage({ route }: { route: Route }) {
  const [workload, setWorkload] = useState(route.query.get('workload') ?? '');
  const [tenant, setTenant] = useState(route.query.get('tenant') ?? '');
  const asked = { workload: route.query.get('workload'), tenant: route.query.get('tenant') };
  const [data, setData] = useState<VerdictData | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setData(null);
    setError(null);
    if (!asked.workload || !asked.tenant) return;
    gql<VerdictData>(VERDICT_QUERY, { workload: asked.workload, tenant: asked.tenant, first: UNITS_DRAWN }).then(setData, setError);
  }, [asked.workload, asked.tenant]);
  const submit = (event: Event) => {
    event.preventDefault();
    navigate(`/verdict?${new URLSearchParams({ workload: workload.trim(), tenant: tenant.trim() })}`);
  };
  return (
    <section aria-labelledby="verdict-heading">
      <h1 id="verdict-heading">Is a workload isolated enough from a tenant?</h1>
      <form class="pickers" onSubmit={submit}>
        <KeyPicker id="workload" label="Workload" value={workload} onInput={setWorkload} suggest={suggestWorkloads} />
        <KeyPicker id="tenant" label="from tenant" value={tenant} onInput={setTenant} suggest={suggestTenants} />
        <button type="submit" disabled={!workload.trim() || !tenant.trim()}>Show verdict</button>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {!data && !error && asked.workload && asked.tenant ? <p role="status">Loading the verdict…</p> : null}
      {data ? <VerdictView data={data} /> : null}
    </section>
  );
}

function VerdictView({ data }: { data: VerdictData }) {
  const v = data.isolation;
  // The weakest pairs: those at the verdict's own level (the evidence comes weakest first).
  const hidden = data.viewer.role === 'TENANT';
  const shared = v.evidence.filter((e) => e.actual === v.actual).map((e) => e.shared);
  const drawings = () => ['scale', 'tree-workload', 'tree-tenant'].map((id) => document.getElementById(id) as Element | null).filter((e): e is SVGSVGElement => e instanceof SVGSVGElement);
  return (
    <div class="verdict">
      <p class={`outcome outcome-${v.outcome}`} id="outcome">{v.outcome.replace('_', ' ')}</p>
      <p class="explanation" id="explanation">{v.explanation}</p>
      <p class="actions">
        <a href={location.href} id="share-link">Link to this verdict</a>
        <button type="button" onClick={() => downloadSvg(drawings(), `verdict-${v.workloadKey}-${v.tenantKey}.svg`)}>Download SVG</button>
      </p>
      <h2>On the tenancy scale</h2>
      <div class="scroll"><ScaleView required={v.required} actual={v.actual} possible={v.possible} /></div>
      <div class="trees">
        <TreeSide heading={`Workload ${v.workloadKey}`} id="tree-workload" units={data.workload} shared={shared} hidden={hidden} />
        <TreeSide heading={`Tenant ${v.tenantKey}`} id="tree-tenant" units={data.tenant} shared={shared} hidden={hidden} />
      </div>
      <h2>Evidence: the weakest pairs</h2>
      <EvidenceTable data={data} />
    </div>
  );
}

interface TreeSideProps {
  heading: string;
  id: string;
  units: UnitsOf | null;
  shared: { kind: string; key: string | null }[];
  hidden: boolean;
}

function TreeSide({ heading, id, units, shared, hidden }: TreeSideProps) {
  const more = units && (units.containers.totalCount > UNITS_DRAWN || units.virtualMachines.totalCount > UNITS_DRAWN);
  return (
    <figure class="tree">
      <figcaption>{heading}{more ? ` (the first ${UNITS_DRAWN} containers and VMs drawn)` : ''}</figcaption>
      <div class="scroll"><PlacementTreeView title={`Placement of ${heading}`} root={placementTree(units, hidden)} shared={shared} id={id} /></div>
    </figure>
  );
}

function EvidenceTable({ data }: { data: VerdictData }) {
  return (
    <table class="evidence" id="evidence">
      <thead>
        <tr><th scope="col">unit</th><th scope="col">other tenant's unit</th><th scope="col">actual</th><th scope="col">possible</th><th scope="col">shared</th></tr>
      </thead>
      <tbody>
        {data.isolation.evidence.map((e) => (
          <tr>
            <td>{e.unit.key}</td>
            <td>{e.otherUnit?.key ?? '(not shown to this token)'}</td>
            <td>{e.actual}</td>
            <td>{e.possible}</td>
            <td>{e.shared.description}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
