/*
 * The what-if page: pick a failing datacenter, hazard zone, rack, PDU or switch (drilling down
 * from each datacenter to its racks and their PDUs and switches), and see per workload what
 * goes down, degrades or is at risk against its quorum, as failureImpact and survives say.
 * The URL (/what-if?level=…&domain=…) reopens it.
 */
import { useEffect, useState } from 'preact/hooks';
import { ANTI_AFFINITY_LEVELS } from '../../../src/domain/scale.ts';
import { ErrorNote } from '../error-note.tsx';
import { gql } from '../graphql-client.ts';
import { navigate, onLinkClick, type Route } from '../router.ts';

interface Datacenter {
  key: string;
  name: string | null;
  hazardZones: string[];
  racks: { totalCount: number; nodes: { key: string; powerDomainKeys: string[]; networkDomainKeys: string[] }[] };
}

const DATACENTERS = `{ datacenters(first: 100) { nodes { key name hazardZones
  racks(first: 200) { totalCount nodes { key powerDomainKeys networkDomainKeys } } } } }`;

const IMPACT = `query($level: AntiAffinityLevel!, $domain: String!) { failureImpact(level: $level, domain: $domain) {
  level domain tenantKeys
  workloads { workload { key tenantKey }
    replicaCount lost { key } degraded { key } atRisk { key } remaining losesAll quorum belowQuorum } } }`;

interface Impact {
  level: string;
  domain: string;
  tenantKeys: string[];
  workloads: {
    workload: { key: string; tenantKey: string };
    replicaCount: number;
    lost: { key: string }[];
    degraded: { key: string }[];
    atRisk: { key: string }[];
    remaining: number;
    losesAll: boolean;
    quorum: number | null;
    belowQuorum: boolean;
  }[];
}

interface Survival {
  survives: boolean;
  singlePointsOfFailure: { domain: string }[];
}

/** Each touched workload's survives(level), asked for the workloads shown only (each walks the fleet). */
async function survivalOf(level: string, keys: string[]): Promise<Map<string, Survival>> {
  if (keys.length === 0) return new Map();
  const fields = keys.map((_, i) => `w${i}: workload(key: $k${i}) { survives(level: $level) { survives singlePointsOfFailure { domain } } }`);
  const declared = keys.map((_, i) => `$k${i}: String!`).join(', ');
  const data = await gql<Record<string, { survives: Survival } | null>>(`query($level: AntiAffinityLevel!, ${declared}) { ${fields.join(' ')} }`, {
    level,
    ...Object.fromEntries(keys.map((k, i) => [`k${i}`, k])),
  });
  return new Map(keys.flatMap((k, i) => (data[`w${i}`] ? [[k, data[`w${i}`]!.survives] as const] : [])));
}

const whatIf = (level: string, domain: string) => `/what-if?${new URLSearchParams({ level, domain })}`;

export function WhatIfPage({ route }: { route: Route }) {
  const level = route.query.get('level');
  const domain = route.query.get('domain');
  return (
    <section aria-labelledby="what-if-heading">
      <h1 id="what-if-heading">What if a domain fails?</h1>
      <DomainChooser level={level ?? 'POWER_DOMAIN'} domain={domain ?? ''} />
      {level && domain ? <ImpactView level={level} domain={domain} /> : null}
    </section>
  );
}

function DomainChooser({ level, domain }: { level: string; domain: string }) {
  const [datacenters, setDatacenters] = useState<Datacenter[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [typed, setTyped] = useState({ level, domain });
  useEffect(() => {
    gql<{ datacenters: { nodes: Datacenter[] } }>(DATACENTERS).then((d) => setDatacenters(d.datacenters.nodes), setError);
  }, []);
  const link = (l: string, d: string, text: string) => (
    <a href={whatIf(l, d)} onClick={onLinkClick} class={l === level && d === domain ? 'chosen' : undefined}>{text}</a>
  );
  return (
    <div class="chooser">
      <form class="pickers" onSubmit={(e) => (e.preventDefault(), navigate(whatIf(typed.level, typed.domain.trim())))}>
        <label class="picker" for="level">
          <span>Level</span>
          <select id="level" value={typed.level} onChange={(e) => setTyped({ ...typed, level: (e.target as HTMLSelectElement).value })}>
            {ANTI_AFFINITY_LEVELS.map((l) => <option value={l}>{l}</option>)}
          </select>
        </label>
        <label class="picker" for="domain">
          <span>Domain key</span>
          <input id="domain" value={typed.domain} onInput={(e) => setTyped({ ...typed, domain: (e.target as HTMLInputElement).value })} />
        </label>
        <button type="submit" disabled={!typed.domain.trim()}>Show what fails</button>
      </form>
      {error ? <p class="note">The datacenters to drill down from are not shown to this token; type a domain's key.</p> : null}
      {datacenters ? (
        <ul class="drill" aria-label="Datacenters">
          {datacenters.map((dc) => (
            <li>
              <details open={dc.racks.nodes.some((r) => r.key === domain || r.powerDomainKeys.includes(domain) || r.networkDomainKeys.includes(domain))}>
                <summary>{dc.key}{dc.name ? ` (${dc.name})` : ''}</summary>
                <p>
                  {link('DATACENTER', dc.key, `datacenter ${dc.key} fails`)}
                  {dc.hazardZones.map((z) => <> · {link('HAZARD_ZONE', z, `hazard zone ${z} strikes`)}</>)}
                </p>
                <ul>
                  {dc.racks.nodes.map((rack) => (
                    <li>
                      {link('RACK', rack.key, `rack ${rack.key}`)}
                      {rack.powerDomainKeys.map((p) => <> · {link('POWER_DOMAIN', p, `PDU ${p}`)}</>)}
                      {rack.networkDomainKeys.map((n) => <> · {link('NETWORK_DOMAIN', n, `switch ${n}`)}</>)}
                    </li>
                  ))}
                </ul>
              </details>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function ImpactView({ level, domain }: { level: string; domain: string }) {
  const [impact, setImpact] = useState<Impact | null>(null);
  const [survival, setSurvival] = useState<Map<string, Survival>>(new Map());
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    gql<{ failureImpact: Impact }>(IMPACT, { level, domain })
      .then(async (d) => {
        setImpact(d.failureImpact);
        setSurvival(await survivalOf(level, d.failureImpact.workloads.map((w) => w.workload.key)));
      })
      .catch(setError);
  }, [level, domain]);
  if (error) return <ErrorNote error={error} />;
  if (!impact) return <p role="status">Working out what fails…</p>;
  const below = impact.workloads.filter((w) => w.belowQuorum);
  const keys = (units: { key: string }[]) => units.map((u) => u.key).join(', ') || '—';
  return (
    <div id="impact">
      <h2>{`${level.replace('_', ' ').toLowerCase()} ${domain} fails`}</h2>
      <p id="impact-summary">
        {impact.workloads.length === 0 ? 'No workload loses a replica.' : `${impact.workloads.length} workloads touched; ${below.length} fall below quorum${below.length ? `: ${below.map((w) => w.workload.key).join(', ')}` : ''}.`}
      </p>
      {impact.workloads.length > 0 ? (
        <table class="impact">
          <thead>
            <tr><th scope="col">workload</th><th scope="col">tenant</th><th scope="col">replicas</th><th scope="col">goes down</th><th scope="col">degraded</th><th scope="col">at risk</th><th scope="col">up for certain</th><th scope="col">quorum</th><th scope="col">after this failure</th><th scope="col">{`survives any one ${level.replace('_', ' ').toLowerCase()}?`}</th></tr>
          </thead>
          <tbody>
            {impact.workloads.map((w) => (
              <tr class={w.belowQuorum ? 'below-quorum' : undefined} data-workload={w.workload.key}>
                <th scope="row">{w.workload.key}</th>
                <td>{w.workload.tenantKey}</td>
                <td>{w.replicaCount}</td>
                <td>{keys(w.lost)}</td>
                <td>{keys(w.degraded)}</td>
                <td>{keys(w.atRisk)}</td>
                <td>{w.remaining}</td>
                <td>{w.quorum ?? '—'}</td>
                <td class="status">{w.losesAll ? 'loses every replica' : w.belowQuorum ? 'below quorum' : 'keeps quorum'}</td>
                <td>{survivalText(survival.get(w.workload.key))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p>Tenants with a unit that goes down: {impact.tenantKeys.join(', ') || 'none'}.</p>
    </div>
  );
}

function survivalText(survival: Survival | undefined): string {
  if (!survival) return '…';
  return survival.survives ? 'yes' : `no: ${survival.singlePointsOfFailure.map((s) => s.domain).join(', ') || 'a domain of unknown replicas'}`;
}
