import type { EvidencePair } from "../domain/verdict.ts";

/*
 * A verdict's evidence as a caller bound to one tenant may see it: for each of its own units,
 * only that unit's weakest pair (the list is weakest first, so the first pair met per unit).
 * The other side is redacted anyway; listing every pair would still count the other tenant's
 * units, and say how many of them share the caller's host or rack. One pair per own unit says
 * what the outcome rests on and where the caller would have to move a unit, nothing more.
 */
export function weakestPairPerUnit(sorted: readonly EvidencePair[], limit: number): EvidencePair[] {
  const seen = new Set<string>();
  const shown: EvidencePair[] = [];
  for (const pair of sorted) {
    if (shown.length >= limit) break;
    const unit = `${pair.unit.kind}:${pair.unit.key}`;
    if (seen.has(unit)) continue;
    seen.add(unit);
    shown.push(pair);
  }
  return shown;
}
