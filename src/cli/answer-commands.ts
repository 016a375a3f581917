import { InvalidArgumentError, type Command } from "commander";
import { ANTI_AFFINITY_LEVELS } from "../domain/scale.ts";
import { MAX_PAGE_SIZE } from "../graphql/pagination.ts";
import { commandAction } from "./command-action.ts";
import { formatOptions, printResult, urlOption, userErrors, type Format } from "./query-command.ts";
import { terminalText } from "./terminal-text.ts";
import { formatTable } from "./result-table.ts";
import { serviceClient, type ServiceClient } from "./service-client.ts";
import {
  CliAcceptFindingDocument,
  CliFindingsPageDocument,
  CliImpactDocument,
  CliIsolatedDocument,
  CliReportPageDocument,
  CliViolationsPageDocument,
  type AntiAffinityLevel,
  type IsolationOutcome,
  type TypedDocumentString,
} from "../graphql/generated/operations.ts";

/*
 * The questions people ask from a terminal, through the service like `query run` (so the
 * token's role applies) and printed the same ways (table, json, csv):
 * `isolated`, `violations`, `impact`, the whole isolation `report` and the `findings`.
 */
type Printing = { format: Format; list?: string; url?: string };

/** "power-domain", "power_domain" or "POWER_DOMAIN" as the API's enum value. */
const enumValue = (allowed: readonly string[], what: string) => (value: string) => {
  const normal = value.toUpperCase().replaceAll("-", "_");
  if (!allowed.includes(normal)) throw new InvalidArgumentError(`${what} is one of ${allowed.map((a) => a.toLowerCase().replaceAll("_", "-")).join(", ")}`);
  return normal;
};

export function addAnswerCommands(program: Command) {
  const command = (name: string) => urlOption(formatOptions(program.command(name)));
  command("isolated")
    .summary("is a workload isolated enough from a tenant?")
    .description("The verdict, its explanation and the weakest pairs, through the service. Exit 0 whatever the outcome: the outcome is the answer.")
    .argument("<workload>", "the workload's key")
    .requiredOption("--from <tenant>", "the other tenant's key")
    .option("--as-of <moment>", "answer as it was at this past moment: a date (its midnight UTC) or an ISO-8601 instant", instant)
    .action(commandAction((workload: string, o: Printing & { from: string; asOf?: string }) => isolated(serviceClient(process.env, o.url), workload, o)));
  command("violations")
    .summary("anti-affinity violations, of one workload or of the fleet")
    .option("--workload <key>", "only this workload's")
    .action(commandAction((o: Printing & { workload?: string }) => violations(serviceClient(process.env, o.url), o)));
  command("impact")
    .summary("what if a host, rack, power domain… fails?")
    .argument("<level>", `the failing domain's level: ${ANTI_AFFINITY_LEVELS.map((l) => l.toLowerCase().replaceAll("_", "-")).join(", ")}`, enumValue(ANTI_AFFINITY_LEVELS, "the level"))
    .argument("<domain>", "the failing domain's key")
    .action(commandAction((level: string, domain: string, o: Printing) => impact(serviceClient(process.env, o.url), level, domain, o)));
  command("report")
    .summary("the whole isolation report: every pair that is not isolated")
    .description("Every (workload, tenant) pair that is NOT_ISOLATED or UNPROVEN, paged through the service; progress on standard error.")
    .option("--outcome <outcome>", "only not-isolated or unproven pairs", enumValue(["NOT_ISOLATED", "UNPROVEN"], "--outcome"))
    .action(commandAction((o: Printing & { outcome?: string }) => report(serviceClient(process.env, o.url), o)));
  command("findings")
    .summary("findings: report pairs and violations over time, with since when and who accepted them")
    .description("Every finding, newest episode first (docs/history.md); --open keeps those that need attention (not accepted, not resolved).")
    .option("--open", "only open findings")
    .option("--since <moment>", "only findings whose current episode began at or after this date or instant", instant)
    .option("--workload <key>", "only this workload's")
    .option("--tenant <key>", "only those touching this tenant")
    .action(commandAction((o: Printing & FindingOptions) => findings(serviceClient(process.env, o.url), o)));
  urlOption(program.command("accept"))
    .summary("accept a finding until a date: it stays listed, no longer open, and reopens when that runs out or it worsens")
    .argument("<finding>", "the finding's id (tenancy findings)")
    .requiredOption("--reason <text>", "why, for the record")
    .requiredOption("--until <moment>", "when the acceptance ends: a date or an ISO-8601 instant, at most 366 days ahead", instant)
    .action(commandAction((id: string, o: { reason: string; until: string; url?: string }) => accept(serviceClient(process.env, o.url), id, o)));
}

async function accept(client: ServiceClient, id: string, o: { reason: string; until: string }): Promise<number> {
  const { acceptFinding } = await client.request(CliAcceptFindingDocument, { id, reason: o.reason, until: o.until });
  if (acceptFinding.userErrors.length > 0) return userErrors(acceptFinding.userErrors);
  // Without user errors the API answers the finding, accepted.
  const f = acceptFinding.finding!;
  console.log(terminalText(`accepted ${f.id} until ${f.acceptance!.until} (by ${f.acceptance!.by}); it reopens then, or sooner if it gets worse`));
  return 0;
}

type FindingOptions = { open?: boolean; since?: string; workload?: string; tenant?: string };

async function findings(client: ServiceClient, o: Printing & FindingOptions): Promise<number> {
  const filter = { states: o.open ? ["OPEN" as const] : null, since: o.since ?? null, workload: o.workload ?? null, tenant: o.tenant ?? null };
  const nodes = await everyPage(client, CliFindingsPageDocument, { filter }, (data) => data.findings);
  // A flat row per finding for tables and CSV; JSON keeps the acceptance as an object.
  const rows = nodes.map(({ acceptance, ...f }) => ({
    ...f,
    acceptedBy: acceptance?.current ? acceptance.by : null,
    acceptedUntil: acceptance?.current ? acceptance.until : null,
  }));
  printResult(o.format === "json" ? { findings: { nodes } } : { findings: { nodes: rows } }, o);
  return 0;
}

/** An ISO-8601 date or instant, checked before anything is asked. */
function instant(value: string): string {
  if (!/^\d{4}-\d\d-\d\d([T ][\d:.]+(Z|[+-]\d\d:?\d\d)?)?$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new InvalidArgumentError("a date (2026-09-30) or an ISO-8601 instant (2026-09-30T14:00:00Z)");
  }
  return value;
}

async function isolated(client: ServiceClient, workload: string, o: Printing & { from: string; asOf?: string }): Promise<number> {
  const { isolation } = await client.request(CliIsolatedDocument, { workload, tenant: o.from, asOf: o.asOf ?? null });
  const { evidence, explanation, ...verdict } = isolation;
  if (o.format === "json") printResult(isolation, o);
  else if (o.format === "csv") printResult({ verdicts: [{ ...verdict, explanation }] }, o);
  else {
    console.log(formatTable({ verdict: [verdict] }));
    console.log(`\n${explanation}\n`);
    console.log(formatTable({ evidence }));
  }
  return 0;
}

async function violations(client: ServiceClient, o: Printing & { workload?: string }): Promise<number> {
  const nodes = await everyPage(client, CliViolationsPageDocument, { workload: o.workload }, (data) => data.antiAffinityViolations);
  printResult({ antiAffinityViolations: { nodes } }, o);
  return 0;
}

async function impact(client: ServiceClient, level: string, domain: string, o: Printing): Promise<number> {
  // enumValue (the argument's parser) let only the API's levels through.
  const { failureImpact } = await client.request(CliImpactDocument, { level: level as AntiAffinityLevel, domain });
  printResult(o.format === "json" ? failureImpact : { workloads: failureImpact.workloads }, o);
  if (o.format === "table") console.log(`\ntenants touched: ${failureImpact.tenantKeys.join(", ") || "none"}`);
  return 0;
}

async function report(client: ServiceClient, o: Printing & { outcome?: string }): Promise<number> {
  const started = Date.now();
  // enumValue (the option's parser) let only NOT_ISOLATED and UNPROVEN through.
  const outcome = o.outcome as IsolationOutcome | undefined;
  const nodes = await everyPage(
    client,
    CliReportPageDocument,
    { outcome },
    (data) => data.isolationReport,
    (done, total) => progress(`isolation report: ${done} of ${total} pairs`),
  );
  progress(`isolation report: ${nodes.length} pairs${o.outcome ? ` (${o.outcome})` : ""} in ${((Date.now() - started) / 1000).toFixed(1)} s`, true);
  printResult({ isolationReport: { nodes } }, o);
  return 0;
}

/** On a terminal the line is rewritten in place; elsewhere only the last one is printed. */
function progress(line: string, last = false) {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}${last ? "\n" : ""}`);
  else if (last) process.stderr.write(`${line}\n`);
}

type Page<TNode> = { nodes: TNode[]; totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
type PageVariables = { first: number; after?: string | null };

/** Every node of a connection, in pages as large as the API allows. */
async function everyPage<TResult, TVariables extends PageVariables, TNode>(
  client: ServiceClient,
  document: TypedDocumentString<TResult, TVariables>,
  variables: Omit<TVariables, keyof PageVariables>,
  connection: (data: TResult) => Page<TNode>,
  onPage?: (done: number, total: number) => void,
): Promise<TNode[]> {
  const nodes: TNode[] = [];
  let after: string | null = null;
  do {
    // The document's variables are exactly the given ones and the page's: Omit cannot say so to the compiler.
    const page = connection(await client.request(document, { ...variables, first: MAX_PAGE_SIZE, after } as TVariables));
    nodes.push(...page.nodes);
    onPage?.(nodes.length, page.totalCount);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  return nodes;
}
