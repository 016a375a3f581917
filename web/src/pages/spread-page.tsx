/*
 * The spread page: a workload's replicas per domain at each level (Workload.spread), with its
 * rule's limit drawn where it has one and the domains its audit finds crowded marked.
 * The URL (/spread?workload=…) reopens it.
 */
import { useEffect, useState } from 'preact/hooks';
import { ANTI_AFFINITY_LEVELS } from '../../../src/domain/scale.ts';
import { ErrorNote } from '../error-note.tsx';
import { gql } from '../graphql-client.ts';
import { KeyPicker } from '../key-picker.tsx';
import { navigate, type Route } from '../router.ts';
import { suggestWorkloads } from './verdict-page.tsx';

interface Rule {
  level: string;
  maxPerDomain: number | null;
  minDomains: number | null;
  maxSkew: number | null;
  mode: string;
}
interface Spread {
  domains: { domain: string; replicaCount: number; replicas: { key: string }[] }[];
  unverifiable: { key: string }[];
}
interface SpreadData {
  workload: ({ key: string; antiAffinity: Rule[]; antiAffinityAudit: { rule: Rule; violations: { domain: string | null; message: string }[] }[] } & Record<string, unknown>) | null;
}

const RULE = 'level maxPerDomain minDomains maxSkew mode';
const SPREAD_QUERY = `query($workload: String!) { workload(key: $workload) { key antiAffinity { ${RULE} }
  antiAffinityAudit { rule { ${RULE} } violations { domain message } }
  ${ANTI_AFFINITY_LEVELS.map((l) => `${l}: spread(level: ${l}) { domains { domain replicaCount replicas { key } } unverifiable { key } }`).join('\n  ')} } }`;

export function SpreadPage({ route }: { route: Route }) {
  const asked = route.query.get('workload');
  const [workload, setWorkload] = useState(asked ?? '');
  const [data, setData] = useState<SpreadData | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (asked) gql<SpreadData>(SPREAD_QUERY, { workload: asked }).then(setData, setError);
  }, [asked]);
  return (
    <section aria-labelledby="spread-heading">
      <h1 id="spread-heading">How are a workload's replicas spread?</h1>
      <form class="pickers" onSubmit={(e) => (e.preventDefault(), navigate(`/spread?${new URLSearchParams({ workload: workload.trim() })}`))}>
        <KeyPicker id="workload" label="Workload" value={workload} onInput={setWorkload} suggest={suggestWorkloads} />
        <button type="submit" disabled={!workload.trim()}>Show spread</button>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {data && !data.workload ? <p class="error" role="alert">{`No workload ${asked} that this token may read.`}</p> : null}
      {data?.workload ? <SpreadView workload={data.workload} /> : null}
    </section>
  );
}

function SpreadView({ workload }: { workload: NonNullable<SpreadData['workload']> }) {
  return (
    <div id="spread">
      {ANTI_AFFINITY_LEVELS.map((level) => {
        const rules = workload.antiAffinity.filter((r) => r.level === level);
        const audits = workload.antiAffinityAudit.filter((a) => a.rule.level === level);
        const violations = audits.flatMap((a) => a.violations);
        return <LevelSpread level={level} spread={workload[level] as Spread} rules={rules} crowded={new Set(violations.map((v) => v.domain))} messages={violations.map((v) => v.message)} />;
      })}
    </div>
  );
}

const BAR_H = 22;
const LABEL_W = 170;
const UNIT_W = 40;

function LevelSpread({ level, spread, rules, crowded, messages }: { level: string; spread: Spread; rules: Rule[]; crowded: Set<string | null>; messages: string[] }) {
  const name = level.replace('_', ' ').toLowerCase();
  const limit = rules.map((r) => r.maxPerDomain).find((m): m is number => m !== null);
  const most = Math.max(1, limit ?? 0, ...spread.domains.map((d) => d.replicaCount));
  const width = LABEL_W + UNIT_W * most + 60;
  const height = BAR_H * Math.max(1, spread.domains.length) + 24;
  return (
    <section class="level-spread" aria-labelledby={`spread-${level}`} data-level={level}>
      <h2 id={`spread-${level}`}>{`per ${name}`}{rules.length ? ` — rule: ${rules.map(ruleText).join('; ')}` : ' — no rule at this level'}</h2>
      {messages.map((m) => <p class="violation" role="note">{m}</p>)}
      <svg role="img" aria-labelledby={`spread-${level}-title`} width={width} height={height} viewBox={`0 0 ${width} ${height}`} xmlns="http://www.w3.org/2000/svg">
        <title id={`spread-${level}-title`}>{`${spread.domains.length} ${name}s hold replicas${limit !== undefined ? `; at most ${limit} per ${name} allowed` : ''}`}</title>
        {spread.domains.map((d, i) => (
          <g class={crowded.has(d.domain) ? 'crowded' : undefined} data-domain={d.domain}>
            <title>{`${name} ${d.domain}: ${d.replicas.map((r) => r.key).join(', ')}`}</title>
            <text x={0} y={i * BAR_H + 15}>{d.domain.length > 24 ? `${d.domain.slice(0, 23)}…` : d.domain}</text>
            <rect class={crowded.has(d.domain) ? 'bar over' : 'bar'} x={LABEL_W} y={i * BAR_H + 3} width={UNIT_W * d.replicaCount} height={BAR_H - 6} />
            <text x={LABEL_W + UNIT_W * d.replicaCount + 6} y={i * BAR_H + 15}>{d.replicaCount}</text>
          </g>
        ))}
        {limit !== undefined ? <line class="limit" x1={LABEL_W + UNIT_W * limit} y1={0} x2={LABEL_W + UNIT_W * limit} y2={height - 20} /> : null}
        {limit !== undefined ? <text x={LABEL_W + UNIT_W * limit + 4} y={height - 6}>{`limit ${limit}`}</text> : null}
      </svg>
      {spread.unverifiable.length ? <p class="note">{`Not placed at this level (domain unknown): ${spread.unverifiable.map((u) => u.key).join(', ')}`}</p> : null}
    </section>
  );
}

function ruleText(rule: Rule): string {
  const bounds = [rule.maxPerDomain !== null && `at most ${rule.maxPerDomain} per domain`, rule.minDomains !== null && `at least ${rule.minDomains} domains`, rule.maxSkew !== null && `max skew ${rule.maxSkew}`].filter(Boolean);
  return `${bounds.join(', ')} (${rule.mode.toLowerCase()})`;
}
