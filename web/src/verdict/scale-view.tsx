/*
 * The tenancy scale as a track, weakest left: where the verdict's required, actual and possible
 * levels fall on it.
 */
import { ISOLATION_LEVELS as LEVELS } from '../../../src/domain/scale.ts';

const STEP = 96;
const PAD = 100;

export function ScaleView({ required, actual, possible }: { required: string; actual: string; possible: string }) {
  const width = PAD * 2 + STEP * (LEVELS.length - 1);
  const at = (level: string) => PAD + STEP * LEVELS.indexOf(level as (typeof LEVELS)[number]);
  const marks = [
    { name: 'required', level: required, y: 22 },
    { name: 'actual', level: actual, y: 104 },
    { name: 'possible', level: possible, y: 124 },
  ];
  const ok = LEVELS.indexOf(actual as never) >= LEVELS.indexOf(required as never);
  return (
    <svg id="scale" class="scale" role="img" aria-labelledby="scale-title" viewBox={`0 0 ${width} 140`} width={width} height={140} xmlns="http://www.w3.org/2000/svg">
      <title id="scale-title">{`Required ${required}, actual ${actual}, possible ${possible} on the tenancy scale`}</title>
      <rect class={`gap ${ok ? 'met' : 'unmet'}`} x={Math.min(at(actual), at(required))} y={58} width={Math.abs(at(required) - at(actual))} height={12} />
      <line class="track" x1={PAD} y1={64} x2={width - PAD} y2={64} />
      {LEVELS.map((level) => (
        <g>
          <line class="tick" x1={at(level)} y1={56} x2={at(level)} y2={72} />
          <text class="level" x={at(level)} y={88}>{level.replace('_', ' ').toLowerCase()}</text>
        </g>
      ))}
      {marks.map((m) => (
        <g class={`mark mark-${m.name}`}>
          <line x1={at(m.level)} y1={m.y < 64 ? m.y + 6 : 72} x2={at(m.level)} y2={m.y < 64 ? 56 : m.y - 12} />
          <text x={at(m.level)} y={m.y}>{`${m.name}: ${m.level}`}</text>
        </g>
      ))}
    </svg>
  );
}
