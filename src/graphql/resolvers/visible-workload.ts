import type { AccessScope } from "../../access/access-scope.ts";
import type { IsolationView } from "../../isolation/isolation-index.ts";
import { notFound } from "../errors.ts";

/*
 * Throws NOT_FOUND unless the workload exists and the caller may see it. Another tenant's
 * workload and a missing one get the same error word for word, so probing learns nothing.
 */
export function requireVisibleWorkload(view: IsolationView, scope: AccessScope, key: string): void {
  if (!view.topology.workloads.has(key) || !scope.ownsWorkload(view.topology, key)) throw notFound(`no workload "${key}" has been synced`);
}
