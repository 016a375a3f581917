/*
 * A placement tree drawn as SVG: d3-hierarchy's tidy tree places the nodes across, the tenancy
 * scale's rows place them down (so both sides' trees line up level by level). Shared things are
 * marked with the class `shared` and said in words in each node's title.
 */
import { hierarchy, tree } from 'd3-hierarchy';
import { isShared, ROWS, ROW_LABELS, type PlaceNode, type Row } from './placement-tree.ts';

const NODE_W = 150;
const NODE_H = 38;
const ROW_H = 64;
const GUTTER = 110;
const MAX_LABEL = 20;

interface Props {
  title: string;
  root: PlaceNode;
  shared: { kind: string; key: string | null }[];
  id: string;
}

export function PlacementTreeView({ title, root, shared, id }: Props) {
  if (root.children.length === 0) {
    return <p class="empty" id={id}>{title}: no units this token may see.</p>;
  }
  const laid = tree<PlaceNode>().nodeSize([NODE_W + 14, ROW_H])(hierarchy(root));
  const nodes = laid.descendants().filter((n) => n.data.id !== 'root');
  const links = laid.links().filter((l) => l.source.data.id !== 'root');
  const xs = nodes.map((n) => n.x);
  const left = Math.min(...xs) - NODE_W / 2;
  const width = Math.max(...xs) + NODE_W / 2 - left + GUTTER;
  const height = ROWS.length * ROW_H;
  const x = (value: number) => value - left + GUTTER;
  const y = (row: Row) => Math.max(0, ROWS.indexOf(row as (typeof ROWS)[number])) * ROW_H + ROW_H / 2;
  return (
    <svg id={id} class="placement-tree" role="img" aria-labelledby={`${id}-title`} viewBox={`0 0 ${width} ${height}`} width={width} height={height} xmlns="http://www.w3.org/2000/svg">
      <title id={`${id}-title`}>{title}</title>
      {ROWS.map((row) => (
        <text class="row-label" x={4} y={y(row) + 4}>{ROW_LABELS[row]}</text>
      ))}
      {links.map((l) => (
        <line class="link" x1={x(l.source.x)} y1={y(l.source.data.row) + NODE_H / 2} x2={x(l.target.x)} y2={y(l.target.data.row) - NODE_H / 2} />
      ))}
      {nodes.map((n) => {
        const hit = isShared(n.data, shared);
        // A set (PDUs and switches, hazard zones) one member a line, two lines at most.
        const parts = n.data.label.split(' · ');
        const lines = (parts.length > 2 ? [parts[0], `${parts[1]} +${parts.length - 2}`] : parts).map((l) => (l.length > MAX_LABEL ? `${l.slice(0, MAX_LABEL - 1)}…` : l));
        return (
          <g class={`node row-${n.data.row}${hit ? ' shared' : ''}`} data-node={n.data.id} transform={`translate(${x(n.x) - NODE_W / 2},${y(n.data.row) - NODE_H / 2})`}>
            <title>{`${ROW_LABELS[n.data.row]} ${n.data.label}${hit ? ' — shared with the other side' : ''}`}</title>
            <rect width={NODE_W} height={NODE_H} rx={5} />
            <text x={NODE_W / 2} y={NODE_H / 2 + 4 - (lines.length - 1) * 7}>
              {lines.map((line, i) => <tspan x={NODE_W / 2} dy={i === 0 ? 0 : 14}>{line}</tspan>)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
