import { z } from "zod";
import { type AntiAffinityRuleSchema, antiAffinityRules, flag, isolationLevel, optionalText, positiveInteger, reference, referenceList, requiredReference, text, textOr, texts, unknownFieldsOr } from "./inventory-fields.ts";
import { inventoryTextProblem } from "./inventory-text.ts";

/*
 * The snapshot's one declaration (docs/snapshots.md): per kind of inventory object its fields
 * as zod schemas, its table, its noun for messages, and which fields place a unit. Everything
 * else derives from it: validation (validate-snapshot.ts parses with `SnapshotSchema`), the
 * record types (`z.output`), the connectors' builder types (`z.input`, connector.ts), and the
 * table mapping every SQL writer shares (inventory-tables.ts: a column per field, named in
 * snake_case, typed by its schema). test/inventory/inventory-schema-prisma.test.ts ties it to
 * prisma/schema.prisma. Adding a field: add it here, to the model in schema.prisma, and write
 * the migration.
 */

/** The inventory kinds, in the order the snapshot lists them; also the sync's write order. */
export const INVENTORY_KINDS = ["datacenters", "powerDomains", "networkDomains", "racks", "hosts", "tenants", "workloads", "virtualMachines", "containers"] as const;
export type InventoryKind = (typeof INVENTORY_KINDS)[number];

interface KindDeclaration<Shape extends z.core.$ZodLooseShape> {
  /** The table its rows are in. */
  table: string;
  /** Human name of one object of the kind, for messages. */
  noun: string;
  /** Its fields; `id` is the key (column `key`), each other field a column. */
  fields: Shape;
  /** Where a unit may sit: a unit naming more than one of these has two parents. */
  placement?: readonly (keyof Shape & string)[];
  /**
   * Several sources may describe one object of this kind (datacenters, see
   * datacenter-descriptions.ts): each source's description is a row of `<table>_description`,
   * and `table` holds their union with a `sources` list instead of one `source`.
   */
  shared?: true;
}

function kind<Shape extends z.core.$ZodLooseShape>(name: InventoryKind, declaration: KindDeclaration<Shape>) {
  const error = unknownFieldsOr(name, `each entry of ${name} must be an object`);
  return { ...declaration, schema: z.strictObject(declaration.fields, { error }) };
}

export const INVENTORY = {
  datacenters: kind("datacenters", {
    table: "datacenter",
    noun: "datacenter",
    shared: true,
    fields: {
      id: text(),
      name: optionalText(),
      provider: optionalText(),
      region: optionalText(),
      hazardZones: texts(),
      /** Null when the source does not say: the datacenter is on earth unless a description says otherwise. */
      planet: optionalText(),
    },
  }),
  powerDomains: kind("powerDomains", {
    table: "power_domain",
    noun: "power domain",
    fields: { id: text(), datacenter: requiredReference("datacenters") },
  }),
  networkDomains: kind("networkDomains", {
    table: "network_domain",
    noun: "network domain",
    fields: { id: text(), datacenter: requiredReference("datacenters") },
  }),
  racks: kind("racks", {
    table: "rack",
    noun: "rack",
    fields: {
      id: text(),
      datacenter: requiredReference("datacenters"),
      powerDomains: referenceList("powerDomains"),
      networkDomains: referenceList("networkDomains"),
    },
  }),
  hosts: kind("hosts", {
    table: "host",
    noun: "host",
    fields: {
      id: text(),
      rack: reference("racks"),
      datacenter: reference("datacenters"),
      dedicatedTo: reference("tenants"),
      // The provider's placement group it is a slot of (docs/separation.md): apart only from its group's other slots.
      placementGroup: optionalText(),
    },
  }),
  tenants: kind("tenants", {
    table: "tenant",
    noun: "tenant",
    fields: { id: text(), name: optionalText(), organization: text() },
  }),
  workloads: kind("workloads", {
    table: "workload",
    noun: "workload",
    fields: {
      id: text(),
      tenant: requiredReference("tenants"),
      minimumIsolation: isolationLevel(),
      antiAffinity: antiAffinityRules(),
      /** The fewest replicas the owner needs running (the failure what-ifs' quorum). */
      minHealthyReplicas: positiveInteger(),
    },
  }),
  virtualMachines: kind("virtualMachines", {
    table: "virtual_machine",
    noun: "virtual machine",
    fields: {
      id: text(),
      host: reference("hosts"),
      container: reference("containers"),
      datacenter: reference("datacenters"),
      tenant: requiredReference("tenants"),
      workload: reference("workloads"),
      dedicated: flag(),
    },
    placement: ["host", "container", "datacenter"],
  }),
  containers: kind("containers", {
    table: "container",
    noun: "container",
    fields: {
      id: text(),
      virtualMachine: reference("virtualMachines"),
      host: reference("hosts"),
      runtime: textOr("runc"),
      /** Has its node's rights (privileged, host namespaces, a node mount, SYS_ADMIN): docs/separation.md. */
      privileged: flag(),
      /** Mounts its node's files (a hostPath volume), which reach past every runtime's wall: docs/separation.md. */
      nodeFiles: flag(),
      tenant: requiredReference("tenants"),
      workload: reference("workloads"),
    },
    placement: ["virtualMachine", "host"],
  }),
} satisfies Record<InventoryKind, { table: string; noun: string; schema: z.ZodType }>;

/**
 * A Kubernetes node of the source's cluster and the unit it runs as: the cloud VM its
 * providerID names, or the VM or host `node/<name>` the connector made of it. Kept per source
 * (not an inventory kind: a node is not a place of its own, and two clusters may name a node
 * alike), so the scheduler extender and the admission webhook, which know a node by name only,
 * find its unit.
 */
const KubernetesNodeSchema = z
  .strictObject({ name: text(), virtualMachine: optionalText(), host: optionalText() }, { error: unknownFieldsOr(null, "each entry of kubernetesNodes must be an object") })
  .refine((node) => (node.virtualMachine === null) !== (node.host === null), { message: "a Kubernetes node runs as exactly one of virtualMachine and host" });

const kubernetesNodes = z
  .array(KubernetesNodeSchema, { error: "kubernetesNodes must be an array" })
  .superRefine((nodes, ctx) => {
    const seen = new Set<string>();
    nodes.forEach((node, i) => {
      if (seen.has(node.name)) ctx.addIssue({ code: "custom", message: `two nodes are named "${node.name}"`, path: [i, "name"], input: node.name });
      seen.add(node.name);
    });
  })
  .optional();

export type KubernetesNodeRecord = z.output<typeof KubernetesNodeSchema>;

const SOURCE_REQUIRED = "source is required: a non-empty string naming the system that synced this inventory";

/** Each kind's collection: an array of its records, empty when the document leaves it out. */
function collections() {
  const shape = {} as { [K in InventoryKind]: z.ZodDefault<z.ZodArray<(typeof INVENTORY)[K]["schema"]>> };
  for (const name of INVENTORY_KINDS) {
    // Each iteration writes the one key `name`; TypeScript cannot follow that correlation.
    (shape as Record<InventoryKind, z.ZodType>)[name] = z.array(INVENTORY[name].schema, { error: `${name} must be an array` }).default(() => []);
  }
  return shape;
}

/** A snapshot document, as the contract writes it. */
export const SnapshotSchema = z.strictObject(
  {
    source: z
      .string({ error: SOURCE_REQUIRED })
      .trim()
      .check((ctx) => {
        const wrong = ctx.value === "" ? SOURCE_REQUIRED : inventoryTextProblem(ctx.value);
        if (wrong) ctx.issues.push({ code: "custom", message: wrong, input: ctx.value });
      }),
    complete: z.boolean({ error: "complete must be true or false" }).default(false),
    ...collections(),
    /** A Kubernetes source's nodes, all of them when present; absent, its nodes stay as last synced. */
    kubernetesNodes,
  },
  { error: unknownFieldsOr(null, "a snapshot must be a JSON object") },
);

/** A snapshot after validation: every collection present (empty when left out), every default applied. */
export type Snapshot = z.output<typeof SnapshotSchema>;
/** One validated record of a kind. */
export type InventoryRecord<K extends InventoryKind> = z.output<(typeof INVENTORY)[K]["schema"]>;
/** One record of a kind as a connector may write it (defaults not yet applied). */
export type InventoryRecordInput<K extends InventoryKind> = z.input<(typeof INVENTORY)[K]["schema"]>;

export type DatacenterRecord = InventoryRecord<"datacenters">;
export type DomainRecord = InventoryRecord<"powerDomains">;
export type RackRecord = InventoryRecord<"racks">;
export type HostRecord = InventoryRecord<"hosts">;
export type TenantRecord = InventoryRecord<"tenants">;
export type WorkloadRecord = InventoryRecord<"workloads">;
export type VirtualMachineRecord = InventoryRecord<"virtualMachines">;
export type ContainerRecord = InventoryRecord<"containers">;
export type AntiAffinityRule = z.output<typeof AntiAffinityRuleSchema>;

/** A problem with a snapshot, at a JSON path such as ["hosts", "3", "rack"]. */
export interface SnapshotProblem {
  path: string[];
  message: string;
}
