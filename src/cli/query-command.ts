import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { Kind, parse, type TypeNode } from "graphql";
import { readStdin } from "./read-stdin.ts";
import { formatCsv, formatTable } from "./result-table.ts";
import { serviceClient } from "./service-client.ts";
import { terminalText } from "./terminal-text.ts";
import { UsageError } from "./usage-error.ts";

/**
 * `tenancy query save|list|run|diff`: compliance's saved queries, from a terminal, through the
 * service's API (so the token's role applies and every run is kept and audited).
 */
export const QUERY_USAGE = `  query save NAME --file PATH [--description TEXT] [--var k=v]...
                                         save (a new version of) a query; --file - reads stdin
  query list                             the saved queries, newest versions
  query run NAME [--var k=v]... [--format table|json|csv] [--list PATH]
                                         run a saved query; the run is kept as evidence
  query diff NAME [--run ID] [--against ID]
                                         what changed between two runs (default: the last two)
  The query commands talk to the service at TENANCY_URL (default http://127.0.0.1:4000/graphql) with
  TENANCY_TOKEN as the bearer token.`;

const RUN_FIELDS = `id version runBy runAt inventoryVersion inventoryAsOf digest rowCount result`;

export async function queryCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      file: { type: "string", short: "f" },
      description: { type: "string" },
      var: { type: "string", multiple: true },
      format: { type: "string", default: "table" },
      list: { type: "string" },
      run: { type: "string" },
      against: { type: "string" },
      url: { type: "string" },
    },
  });
  const client = serviceClient(env, values.url);
  const name = positionals[0];
  const needName = () => {
    if (!name) throw new UsageError(`query ${sub} needs the saved query's NAME`);
    return name;
  };
  switch (sub) {
    case "save": {
      if (!values.file) throw new UsageError("query save needs --file PATH (or --file - for standard input)");
      const document = values.file === "-" ? await readStdin() : await readFile(values.file, "utf8").catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read ${values.file}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
      });
      const variables = values.var ? coerceVariables(document, values.var) : undefined;
      const { saveQuery } = await client.request(
        `mutation($name: String!, $document: String!, $variables: JSON, $description: String) {
           saveQuery(name: $name, document: $document, variables: $variables, description: $description) {
             changed savedQuery { name version } userErrors { path message } } }`,
        { name: needName(), document, variables, description: values.description },
      );
      if (saveQuery.userErrors.length > 0) return userErrors(saveQuery.userErrors);
      console.log(saveQuery.changed ? `saved ${saveQuery.savedQuery.name} version ${saveQuery.savedQuery.version}` : `${saveQuery.savedQuery.name} is unchanged at version ${saveQuery.savedQuery.version}`);
      return 0;
    }
    case "list": {
      const { savedQueries } = await client.request(
        `{ savedQueries(first: 500) { nodes { name version description updatedAt updatedBy runs(first: 1) { totalCount nodes { runAt } } } } }`,
      );
      const rows = savedQueries.nodes.map((q: any) => ({
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
    case "run": {
      if (!["table", "json", "csv"].includes(values.format!)) throw new UsageError(`--format is table, json or csv, not "${values.format}"`);
      let variables: Record<string, unknown> | undefined;
      if (values.var) {
        const { savedQuery } = await client.request(`query($name: String!) { savedQuery(name: $name) { document } }`, { name: needName() });
        if (!savedQuery) return userErrors([{ path: ["name"], message: `no saved query is named "${name}"` }]);
        variables = coerceVariables(savedQuery.document, values.var);
      }
      const { runSavedQuery } = await client.request(
        `mutation($name: String!, $variables: JSON) { runSavedQuery(name: $name, variables: $variables) { run { ${RUN_FIELDS} } userErrors { path message } } }`,
        { name: needName(), variables },
      );
      if (runSavedQuery.userErrors.length > 0) return userErrors(runSavedQuery.userErrors);
      const run = runSavedQuery.run;
      if (values.format === "json") console.log(JSON.stringify(run.result, null, 2));
      else if (values.format === "csv") process.stdout.write(formatCsv(run.result.data, values.list));
      else console.log(formatTable(run.result.data));
      console.error(describeRun(name!, run));
      for (const error of run.result.errors ?? []) console.error(terminalText(`error: ${error.message}${error.path ? ` at ${error.path.join(".")}` : ""}`));
      return run.result.errors?.length ? 1 : 0;
    }
    case "diff": {
      const { savedQuery } = await client.request(`query($name: String!) { savedQuery(name: $name) { runs(first: 2) { nodes { id } } } }`, { name: needName() });
      if (!savedQuery) return userErrors([{ path: ["name"], message: `no saved query is named "${name}"` }]);
      const [newest, previous] = savedQuery.runs.nodes.map((r: { id: string }) => r.id);
      const runId = values.run ?? newest;
      const against = values.against ?? previous;
      if (!runId || !against) return userErrors([{ path: ["name"], message: `${name} has fewer than two runs to compare; run it again or pass --run and --against` }]);
      const { node } = await client.request(
        `query($id: ID!, $against: ID!) { node(id: $id) { ... on SavedQueryRun { runAt version diff(against: $against) {
           same against { runAt version } appeared { list key } disappeared { list key } changed { list key } } } } }`,
        { id: runId, against },
      );
      if (!node) return userErrors([{ path: ["run"], message: `no run has the id ${runId}` }]);
      const d = node.diff;
      console.log(`${name}: run of ${node.runAt} (v${node.version}) against the run of ${d.against.runAt} (v${d.against.version})`);
      if (d.same) console.log("the same result");
      for (const [sign, rows] of [["+", d.appeared], ["-", d.disappeared], ["~", d.changed]] as const) {
        for (const row of rows) console.log(terminalText(`${sign} ${row.list}: ${row.key}`));
      }
      return 0;
    }
    default:
      throw new UsageError(sub ? `unknown query command "${sub}"` : "query needs a command: save, list, run or diff");
  }
}

function describeRun(name: string, run: any): string {
  const asOf = run.inventoryAsOf ? `, inventory as of ${run.inventoryAsOf}` : "";
  return terminalText(`run ${run.id} of ${name} v${run.version} by ${run.runBy} at ${run.runAt}: ${run.rowCount} row(s), inventory version ${run.inventoryVersion}${asOf}, digest ${run.digest.slice(0, 12)}`);
}

function userErrors(errors: { path: string[]; message: string }[]): number {
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
      return fail("a list: give it as JSON, e.g. '[\"a\",\"b\"]'");
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
        const value = JSON.parse(raw);
        return typeof value === "object" ? value : raw;
      } catch {
        return raw;
      }
  }
}
