import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_INVENTORY_TEXT } from "../../src/inventory/inventory-text.ts";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import { createToken, gqlAs } from "../support/token-client.ts";

/*
 * Bad input, sent over HTTP with a role's token: each is a BAD_USER_INPUT (or a refused
 * snapshot) naming what is wrong, never an internal error, and the database's own words never
 * reach the caller.
 */
let demo: SecuredDemo;
let url: string;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  demo = await startSecuredDemo();
  url = demo.service.url;
  tokens.tenant = await createToken(url, ADMIN_TOKEN, { name: "geology-team", role: "TENANT", tenant: "geology" });
  tokens.sync = await createToken(url, ADMIN_TOKEN, { name: "odd-sync", role: "SYNC", sources: ["odd"] });
});
afterAll(() => demo.close());

const id = (text: string) => Buffer.from(text, "utf8").toString("base64url");

describe("global ids", () => {
  it.each(["constructor", "__proto__", "toString", "hasOwnProperty", "Nope"])("an id of type %s is BAD_USER_INPUT, not an internal error", async (type) => {
    const { body } = await gqlAs(url, tokens.tenant, `query($id: ID!) { node(id: $id) { id } }`, { id: id(`${type}:x`) });
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(body.errors[0].message).toMatch(/is not a global id of this API/);
  });

  it("one bad id in nodes(ids:) is an error at its own index; the others still resolve", async () => {
    const { body } = await gqlAs(url, tokens.tenant, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Tenant { key } } }`, {
      ids: [id("Tenant:geology"), id("constructor:x"), id("Tenant:nobody")],
    });
    expect(body.data.nodes).toEqual([{ key: "geology" }, null, null]);
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toMatchObject({ path: ["nodes", 1], extensions: { code: "BAD_USER_INPUT" } });
  });
});

describe("NUL characters", () => {
  it("in an argument, a variable, or deep in a snapshot: BAD_USER_INPUT naming where", async () => {
    const literal = await gqlAs(url, tokens.tenant, `{ workload(key: "seismic\\u0000model") { key } }`);
    expect(literal.body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(literal.body.errors[0].message).toMatch(/argument key contains a NUL character/);
    const variable = await gqlAs(url, tokens.tenant, `query($k: String!) { tenant(key: $k) { key } }`, { k: "geo\u0000logy" });
    expect(variable.body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(variable.body.errors[0].message).toMatch(/variable \$k contains a NUL character/);
    const snapshot = { source: "odd", tenants: [{ id: "t1", organization: "org\u0000x" }] };
    const sync = await gqlAs(url, tokens.sync, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status } }`, { s: snapshot });
    expect(sync.body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(sync.body.errors[0].message).toMatch(/\$s\.tenants\.0\.organization contains a NUL character/);
  });
});

describe("inventory keys", () => {
  const sync = (snapshot: unknown) => gqlAs(url, tokens.sync, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { path message } } }`, { s: snapshot });

  it("refuses keys that are too long, hold control or invisible characters, or end in a space, each at its path", async () => {
    const { body } = await sync({
      source: "odd",
      tenants: [
        { id: "x".repeat(MAX_INVENTORY_TEXT + 1), organization: "o" },
        { id: "evil\u001b[2J", organization: "o" },
        { id: "vm-1\u200b", organization: "o" },
        { id: "geo ", organization: "o" },
        { id: "ok", organization: "\u202eorg" },
      ],
      hosts: [{ id: "h", datacenter: "ams1", dedicatedTo: "tab\there" }],
      datacenters: [{ id: "dc-odd", hazardZones: ["fine", "bell\u0007"] }],
    });
    expect(body.data.syncInventory.status).toBe("REFUSED");
    const problems = Object.fromEntries(body.data.syncInventory.userErrors.map((e: { path: string[]; message: string }) => [e.path.join("."), e.message]));
    expect(problems).toEqual({
      "tenants.0.id": `is ${MAX_INVENTORY_TEXT + 1} characters long; at most ${MAX_INVENTORY_TEXT} are allowed`,
      "tenants.1.id": expect.stringMatching(/unprintable character U\+001B/),
      "tenants.2.id": expect.stringMatching(/unprintable character U\+200B/),
      "tenants.3.id": "must not start or end with a space",
      "tenants.4.organization": expect.stringMatching(/U\+202E/),
      "hosts.0.dedicatedTo": expect.stringMatching(/U\+0009/),
      "datacenters.0.hazardZones.1": expect.stringMatching(/U\+0007/),
    });
    // Letters of any script, punctuation and inner spaces are keys like any other.
    const fine = await sync({ source: "odd", tenants: [{ id: "Zürich lab/β-2 (東京)", organization: "université" }] });
    expect(fine.body.data.syncInventory.status).toBe("APPLIED");
  });

  it("refuses a key not in Unicode's composed form, which prints like another key: a datacenter named so is not a second datacenter", async () => {
    const composed = "zürich-1".normalize("NFC");
    const decomposed = "zürich-1".normalize("NFD");
    const placed = await sync({ source: "odd", datacenters: [{ id: composed, region: "eu-central" }], tenants: [{ id: "alpha", organization: "alpha-corp" }], virtualMachines: [{ id: "alpha-vm", datacenter: composed, tenant: "alpha" }] });
    expect(placed.body.data.syncInventory.status).toBe("APPLIED");
    // Accepted, beta's VM would stand in a "different" datacenter: DATACENTER apart from alpha's VM in the same place.
    const { body } = await sync({ source: "odd", tenants: [{ id: "beta", organization: "beta-corp" }], virtualMachines: [{ id: "beta-vm", datacenter: decomposed, tenant: "beta" }] });
    expect(body.data.syncInventory.status).toBe("REFUSED");
    expect(body.data.syncInventory.userErrors).toEqual([
      { path: ["virtualMachines", "0", "datacenter"], message: `is not in Unicode's composed form (NFC): it prints like ${JSON.stringify(composed)}, which is another text; send it composed` },
    ]);
  });
});

describe("database errors", () => {
  it("never reach the caller, not even in userErrors or the run it leaves", async () => {
    await demo.t.db.sql.exec("ALTER TABLE tenant ADD CONSTRAINT tenant_org_short CHECK (length(organization) < 3) NOT VALID");
    try {
      const { body } = await gqlAs(url, tokens.sync, `mutation($s: JSON!) { syncInventory(snapshot: $s) { status userErrors { message } run { errors { message } } } }`, {
        s: { source: "odd", tenants: [{ id: "t-long", organization: "a long organization" }] },
      });
      const payload = body.data.syncInventory;
      expect(payload.status).toBe("FAILED");
      expect(payload.userErrors[0].message).toMatch(/^the sync failed and nothing was written \(database error 23514\); the details are in the service's log$/);
      expect(JSON.stringify(payload)).not.toMatch(/tenant_org_short|constraint|relation|violates/);
    } finally {
      await demo.t.db.sql.exec("ALTER TABLE tenant DROP CONSTRAINT tenant_org_short");
    }
  });
});
