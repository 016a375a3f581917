const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Several records of one provider object (the same VM in `az vm list -d` and in
 * `az vm get-instance-view`) → one, field by field, whatever their order: a field one record
 * lacks (absent or null) comes from another; objects merge key by key; values that disagree
 * are dropped, so the object is treated as not known there, and named in `conflicts` by path.
 */
export function mergeProviderRecords(records: readonly Record<string, unknown>[], path = ""): { record: Record<string, unknown>; conflicts: string[] } {
  const record: Record<string, unknown> = {};
  const conflicts: string[] = [];
  const fields = new Set(records.flatMap((r) => Object.keys(r)));
  for (const field of [...fields].sort()) {
    const values = records.map((r) => r[field]).filter((v) => v !== undefined && v !== null);
    if (values.length === 0) {
      record[field] = null;
      continue;
    }
    if (values.every(isObject)) {
      const inner = mergeProviderRecords(values, `${path}${field}.`);
      record[field] = inner.record;
      conflicts.push(...inner.conflicts);
      continue;
    }
    const distinct = new Set(values.map((v) => JSON.stringify(v)));
    if (distinct.size === 1) record[field] = values[0];
    else conflicts.push(`${path}${field}`);
  }
  return { record, conflicts };
}
