import type { Principal } from "../access/principal.ts";
import type { RuleAudit, Violation } from "../domain/anti-affinity.ts";
import type { WorkloadImpact } from "../domain/failure-impact.ts";
import type { SharedThing as Shared } from "../domain/separation.ts";
import type { EvidencePair, Verdict } from "../domain/verdict.ts";
import type { IsolationView } from "../isolation/isolation-index.ts";
import type { SourceStatusRow } from "../connectors/source-status.ts";
import type { InventoryRow } from "./inventory-types.ts";
import type { Connection } from "./pagination.ts";

/*
 * What each GraphQL object type's resolvers receive as their parent: the row or domain object
 * it is loaded as, rather than the schema's output shape. codegen.ts maps the schema's types to
 * these (GraphQL Code Generator's mappers), so src/graphql/generated/resolvers-types.ts checks
 * every resolver against them.
 */

/** An inventory object as the loaders select it. */
export type InventoryParent = InventoryRow;
/** A source row (key, createdAt, lastSyncedAt). */
export type SourceParent = { key: string } & Record<string, unknown>;
/** A sync run row, with the counts as columns. */
export type SyncRunParent = { id: number; source: string; created: number; updated: number; removed: number; unchanged: number } & Record<string, unknown>;
export type SourceStatusParent = SourceStatusRow;
/** A verdict, with the request's view of the index it was computed on (for its evidence's shared things). */
export type VerdictParent = Verdict & { view: IsolationView };
/** A verdict's pair, with that view. */
export type EvidenceParent = EvidencePair & { view: IsolationView };
/** A shared thing as shown: its kind and key, or only its kind when redacted for a tenant. */
export type SharedThingParent = { kind: string; key: string | null; shared: Shared; redacted?: boolean };
export type ViewerParent = Principal;
/** Any page: its node type is checked where the page is built (connectionFromRows). */
export type ConnectionParent = Connection<unknown>;
export type ViolationParent = Violation;
export type RuleAuditParent = RuleAudit;
export type WorkloadImpactParent = WorkloadImpact;
