import { readFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import { Kind, parse, type TypeNode } from "graphql";
import { readStdin } from "./read-stdin.ts";
import { formatCsv, formatTable } from "./result-table.ts";
import { collect, commandAction } from "./command-action.ts";
import { serviceClient, type ServiceClient } from "./service-client.ts";
import { UsageError } from "./usage-error.ts";
import { terminalText } from "./terminal-text.ts";
import type { SavedRunResult } from "../compliance/saved-query-runs.ts";
import { CliRunDiffDocument, CliRunSavedQueryDocument, CliSavedQueriesDocument, CliSavedQueryDocumentDocument, CliSavedQueryRunsDocument, CliSaveQueryDocument, type CliRunSavedQueryMutation } from "../graphql/generated/operations.ts";

/*
 * `tenancy query save|list|run|diff`: compliance's saved queries, from a terminal, through the
 * service's API (so the token's role applies and every run is kept and audited).
 */
/** The output formats of every command that prints a GraphQL result. */
export const FORMATS = ["table", "json", "csv"] as const;
export type Format = (typeof FORMATS)[number];

/** `--format` and `--list`, the same for every command that prints a result. */
export function formatOptions(command: Command): Command {
  return command.addOption(new Option("--format <format>", "how to print the result").choices(FORMATS).default("table")).option("--list <path>", "with --format csv: which list of the result (default: the first)");
}

/** `--url`: the service (default TENANCY_URL, the service holding the embedded database, or 127.0.0.1:PORT). */
export const urlOption = (command: Command) => command.option("--url <url>", "the service's GraphQL URL (default: TENANCY_URL)");

export function addQueryCommand(program: Command) {
  const query = program
    .command("query")
    .summary("compliance's saved queries, through the service")
    .description("Saved queries, through the service at TENANCY_URL (default http://127.0.0.1:4000/graphql) with TENANCY_TOKEN as the bearer token.");
  urlOption(
    query
      .command("save")
      .description("save (a new version of) a query")
      .argument("<name>", "the saved query's name")
      .requiredOption("-f, --file <path>", "the GraphQL document (- reads standard input)")
      .option("--description <text>", "what it is for")
      .option("--var <k=v>", "a default variable (repeatable)", collect),
  ).action(commandAction((name: string, o: { file: string; description?: string; var?: string[]; url?: string }) => save(serviceClient(process.env, o.url), name, o)));
  urlOption(query.command("list").description("the saved queries, newest versions, with their last run")).action(commandAction((o: { url?: string }) => list(serviceClient(process.env, o.url))));
  urlOption(
    formatOptions(
      query
        .command("run")
        .description("run a saved query; the run is kept as evidence (the run line goes to standard error)")
        .argument("<name>", "the saved query's name")
        .option("--var <k=v>", "a variable, typed as the document declares it (repeatable)", collect),
    ),
  ).action(commandAction((name: string, o: { var?: string[]; format: Format; list?: string; url?: string }) => run(serviceClient(process.env, o.url), name, o)));
  urlOption(query.command("diff").description("what changed between two runs (default: the last two)").argument("<name>", "the saved query's name").option("--run <id>", "the newer run").option("--against <id>", "the older run")).action(
    commandAction((name: string, o: { run?: string; against?: string; url?: string }) => diff(serviceClient(process.env, o.url), name, o)),
  );
}

async function save(client: ServiceClient, name: string, o: { file: string; description?: string; var?: string[] }): Promise<number> {
  const document =
    o.file === "-"
      ? await readStdin()
      : await readFile(o.file, "utf8").catch((e: NodeJS.ErrnoException) => {
          throw new UsageError(`cannot read ${o.file}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
        });
  const variables = o.var ? coerceVariables(document, o.var) : undefined;
  const { saveQuery } = await client.request(CliSaveQueryDocument, { name, document, variables, description: o.description });
  if (saveQuery.userErrors.length > 0) return userErrors(saveQuery.userErrors);
  // Without user errors the API answers the saved query.
  const saved = saveQuery.savedQuery!;
  console.log(saveQuery.changed ? `saved ${saved.name} version ${saved.version}` : `${saved.name} is unchanged at version ${saved.version}`);
  return 0;
}

async function list(client: ServiceClient): Promise<number> {
  const { savedQueries } = await client.request(CliSavedQueriesDocument);
  const rows = savedQueries.nodes.map((q) => ({
    name: q.name,
    version: q.version,
    runs: q.runs.totalCount,
    lastRun: q.runs.nodes[0]?.runAt ?? null,
    updatedBy: q.updatedBy,
    description: q.description,
  }));
  console.log(formatTable({ savedQueries: rows }));
  return 0;
}

async function run(client: ServiceClient, name: string, o: { var?: string[]; format: Format; list?: string }): Promise<number> {
  let variables: Record<string, unknown> | undefined;
  if (o.var) {
    const { savedQuery } = await client.request(CliSavedQueryDocumentDocument, { name });
    if (!savedQuery) return userErrors([{ path: ["name"], message: `no saved query is named "${name}"` }]);
    variables = coerceVariables(savedQuery.document, o.var);
  }
  const { runSavedQuery } = await client.request(CliRunSavedQueryDocument, { name, variables });
  if (runSavedQuery.userErrors.length > 0) return userErrors(runSavedQuery.userErrors);
  // Without user errors the API answers the run, whose result (JSON to the schema) is what the run kept.
  const ran = runSavedQuery.run!;
  const result = ran.result as SavedRunResult;
  printResult(o.format === "json" ? result : result.data, o);
  console.error(describeRun(name, ran));
  for (const error of result.errors ?? []) console.error(terminalText(`error: ${error.message}${error.path ? ` at ${error.path.join(".")}` : ""}`));
  return result.errors?.length ? 1 : 0;
}

/** A result as a table, JSON or CSV on standard output. */
export function printResult(data: unknown, o: { format: Format; list?: string }) {
  if (o.format === "json") console.log(JSON.stringify(data, null, 2));
  else if (o.format === "csv") process.stdout.write(formatCsv(data, o.list));
  else console.log(formatTable(data));
}

async function diff(client: ServiceClient, name: string, o: { run?: string; against?: string }): Promise<number> {
  const { savedQuery } = await client.request(CliSavedQueryRunsDocument, { name });
  if (!savedQuery) return userErrors([{ path: ["name"], message: `no saved query is named "${name}"` }]);
  const [newest, previous] = savedQuery.runs.nodes.map((r) => r.id);
  const runId = o.run ?? newest;
  const against = o.against ?? previous;
  if (!runId || !against) return userErrors([{ path: ["name"], message: `${name} has fewer than two runs to compare; run it again or pass --run and --against` }]);
  const { node } = await client.request(CliRunDiffDocument, { id: runId, against });
  // Another kind's id (a workload's, say) answers a node without the run's fields: no run either.
  if (!node || !("diff" in node)) return userErrors([{ path: ["run"], message: `no run has the id ${runId}` }]);
  const d = node.diff;
  console.log(`${name}: run of ${node.runAt} (v${node.version}) against the run of ${d.against.runAt} (v${d.against.version})`);
  if (d.same) console.log("the same result");
  for (const [sign, rows] of [
    ["+", d.appeared],
    ["-", d.disappeared],
    ["~", d.changed],
  ] as const) {
    for (const row of rows) console.log(terminalText(`${sign} ${row.list}: ${row.key}`));
  }
  return 0;
}

function describeRun(name: string, run: NonNullable<CliRunSavedQueryMutation["runSavedQuery"]["run"]>): string {
  const asOf = run.inventoryAsOf ? `, inventory as of ${run.inventoryAsOf}` : "";
  return terminalText(`run ${run.id} of ${name} v${run.version} by ${run.runBy} at ${run.runAt}: ${run.rowCount} row(s), inventory version ${run.inventoryVersion}${asOf}, digest ${run.digest.slice(0, 12)}`);
}

export function userErrors(errors: readonly { path: readonly string[]; message: string }[]): number {
  for (const e of errors) console.error(terminalText(`${e.path.length ? `${e.path.join(".")}: ` : ""}${e.message}`));
  return 1;
}

/**
 * `--var k=v` as the document declares `$k`: numbers for Int and Float, true/false for Boolean,
 * JSON for lists and input objects, text for the rest (String, ID, enums).
 */
export function coerceVariables(document: string, pairs: string[]): Record<string, unknown> {
  const declared = new Map<string, TypeNode>();
  try {
    for (const definition of parse(document).definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION) for (const v of definition.variableDefinitions ?? []) declared.set(v.variable.name.value, v.type);
    }
  } catch {
    // The service reports a bad document; here every value stays text.
  }
  const variables: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--var takes NAME=VALUE, not "${pair}"`);
    const [key, raw] = [pair.slice(0, eq), pair.slice(eq + 1)];
    const type = declared.get(key);
    if (!type) throw new UsageError(`the query declares no variable $${key}${declared.size ? ` (it has ${[...declared.keys()].map((k) => `$${k}`).join(", ")})` : ""}`);
    variables[key] = coerce(type, raw, key);
  }
  return variables;
}

function coerce(type: TypeNode, raw: string, key: string): unknown {
  if (type.kind === Kind.NON_NULL_TYPE) return coerce(type.type, raw, key);
  const fail = (what: string) => {
    throw new UsageError(`--var ${key}=${raw}: $${key} is ${what}`);
  };
  if (type.kind === Kind.LIST_TYPE) {
    try {
      return JSON.parse(raw);
    } catch {
      return fail('a list: give it as JSON, e.g. \'["a","b"]\'');
    }
  }
  switch (type.name.value) {
    case "Int":
      return /^-?\d+$/.test(raw) ? Number(raw) : fail("an Int");
    case "Float":
      return Number.isFinite(Number(raw)) && raw.trim() !== "" ? Number(raw) : fail("a Float");
    case "Boolean":
      return raw === "true" ? true : raw === "false" ? false : fail("a Boolean: true or false");
    case "String":
    case "ID":
      return raw;
    default:
      // Enums are text; input objects and JSON come as JSON when they parse.
      try {
        const value: unknown = JSON.parse(raw);
        return typeof value === "object" ? value : raw;
      } catch {
        return raw;
      }
  }
}
