import { InvalidArgumentError, type Command } from "commander";
import { ISOLATION_LEVELS } from "../domain/scale.ts";
import { commandAction } from "./command-action.ts";
import { formatOptions, printResult, urlOption, type Format } from "./query-command.ts";
import { formatTable } from "./result-table.ts";
import { serviceClient, type ServiceClient } from "./service-client.ts";
import { CliPlacementAdviceDocument, type AntiAffinityRuleInput, type IsolationLevel, type ReplicaKind } from "../graphql/generated/operations.ts";

/*
 * `tenancy place`: placement advice for one more replica (GraphQL placementAdvice), through
 * the service like the other answers. Exit 0 when at least one candidate is PROVEN or
 * POSSIBLE, 1 when every candidate is refused: a script can gate a deployment on it.
 */
export interface PlaceOptions {
  format: Format;
  list?: string;
  url?: string;
  tenant?: string;
  minimumIsolation?: IsolationLevel;
  antiAffinity?: AntiAffinityRuleInput[];
  host: string[];
  vm: string[];
  node: string[];
  kubernetesSource?: string;
  anywhereInDatacenter?: string;
  anywhereInRegion?: string;
  replica?: string;
  runtime?: string;
  privileged?: boolean;
  nodeFiles?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

const level = (value: string): IsolationLevel => {
  const normal = value.toUpperCase().replaceAll("-", "_");
  if (!(ISOLATION_LEVELS as readonly string[]).includes(normal)) throw new InvalidArgumentError(`the level is one of ${ISOLATION_LEVELS.join(", ")}`);
  return normal as IsolationLevel;
};

const rules = (value: string): AntiAffinityRuleInput[] => {
  try {
    const parsed: unknown = JSON.parse(value);
    if (!Array.isArray(parsed)) throw new Error("not an array");
    // Each rule goes to the service as given: the API checks it against AntiAffinityRuleInput and names what is wrong.
    return parsed as AntiAffinityRuleInput[];
  } catch {
    throw new InvalidArgumentError(`a JSON array of rules, e.g. '[{"level":"HOST","maxPerDomain":1}]'`);
  }
};

export function addPlaceCommand(program: Command) {
  urlOption(formatOptions(program.command("place")))
    .summary("where may one more replica of a workload go?")
    .description(
      "Ranks candidate places for one more replica: PROVEN, then POSSIBLE, then REFUSED, each refusal with its reason.\n" +
        "Name a synced workload, or describe a new one with --tenant (and --minimum-isolation, --anti-affinity).\n" +
        "Exit 0 when some candidate is PROVEN or POSSIBLE, 1 when every one is refused.",
    )
    .argument("[workload]", "a synced workload's key (or, with --tenant, the new workload's name)")
    .option("--tenant <tenant>", "describe a new workload of this tenant instead")
    .option("--minimum-isolation <level>", "the new workload's own minimum", level)
    .option("--anti-affinity <json>", "the new workload's anti-affinity rules, as JSON", rules)
    .option("--host <key>", "a candidate host (repeatable)", collect, [])
    .option("--vm <key>", "a candidate VM (repeatable)", collect, [])
    .option("--node <name>", "a candidate Kubernetes node (repeatable)", collect, [])
    .option("--kubernetes-source <source>", "the Kubernetes source whose synced node list names the --node names (cloud nodes)")
    .option("--anywhere-in-datacenter <key>", "every host of a datacenter, and the datacenter itself")
    .option("--anywhere-in-region <region>", "every host of a region's datacenters, and each datacenter")
    .option("--replica <kind>", "container or vm (default: a container in a VM or node, a VM on a host)")
    .option("--runtime <runtime>", "a container replica's runtime (runc, gvisor, kata…)")
    .option("--privileged", "the container replica has its node's rights (privileged, hostPID, a hostPath volume…)")
    .option("--node-files", "the container replica mounts its node's files (a hostPath volume): no wall of its own, even under kata")
    .action(commandAction((workload: string | undefined, o: PlaceOptions) => place(serviceClient(process.env, o.url), workload, o)));
}

/**
 * The replica the options describe, or null for the service's default. --runtime, --privileged
 * and --node-files describe a container: without --replica they make it one rather than go
 * unread (the default in a VM is a plain runc container, which would prove more isolation
 * than the replica asked about has).
 */
export function replicaInput(o: Pick<PlaceOptions, "replica" | "runtime" | "privileged" | "nodeFiles">) {
  const container = o.runtime !== undefined || o.privileged === true || o.nodeFiles === true;
  // Another word goes to the service as given, which refuses it naming the replica kinds.
  const named = o.replica?.toLowerCase() === "vm" ? "VIRTUAL_MACHINE" : o.replica?.toLowerCase() === "container" ? "CONTAINER" : o.replica;
  const kind = (named ?? (container ? "CONTAINER" : null)) as ReplicaKind | null;
  return kind ? { kind, runtime: o.runtime ?? null, privileged: o.privileged ?? null, nodeFiles: o.nodeFiles ?? null } : null;
}

async function place(client: ServiceClient, workload: string | undefined, o: PlaceOptions): Promise<number> {
  const candidates = {
    hosts: o.host,
    virtualMachines: o.vm,
    kubernetesNodes: o.node,
    kubernetesSource: o.kubernetesSource ?? null,
    anywhereInDatacenter: o.anywhereInDatacenter ?? null,
    anywhereInRegion: o.anywhereInRegion ?? null,
  };
  const described = o.tenant !== undefined ? { name: workload ?? null, tenant: o.tenant, minimumIsolation: o.minimumIsolation ?? null, antiAffinity: o.antiAffinity ?? null } : null;
  const { placementAdvice } = await client.request(CliPlacementAdviceDocument, {
    workload: described ? null : (workload ?? null),
    describe: described,
    candidates,
    replica: replicaInput(o),
  });
  const nodes = placementAdvice.candidates.nodes;
  if (o.format === "json") printResult(placementAdvice, o);
  else if (o.format === "csv") printResult({ candidates: nodes.map((n) => ({ ...n, reasons: n.reasons.join(" | "), softBreaches: n.softBreaches.join(" | ") })) }, o);
  else {
    console.log(formatTable({ candidates: nodes.map(({ kind, key, outcome, softBreaches }) => ({ kind, key, outcome, softBreaches: softBreaches.length })) }));
    for (const n of nodes.filter((n) => n.reasons.length > 0 || n.softBreaches.length > 0)) {
      console.log(`\n${n.outcome} ${n.kind.toLowerCase().replace("_", " ")} ${n.key}:`);
      for (const line of [...n.reasons, ...n.softBreaches]) console.log(`  ${line}`);
    }
  }
  return nodes.some((n) => n.outcome !== "REFUSED") ? 0 : 1;
}
