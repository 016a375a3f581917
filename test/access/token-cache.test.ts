import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken, revokeApiToken } from "../../src/access/api-tokens.ts";
import { TokenCache } from "../../src/access/token-cache.ts";
import type { RunningService } from "../../src/service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService } from "../support/test-service.ts";
import { gqlAs } from "../support/token-client.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
}, 60_000);
afterAll(async () => t?.drop());

async function newToken(name: string) {
  const created = await createApiToken(t.db.sql, { name, role: "compliance" }, "test");
  if ("errors" in created) throw new Error(JSON.stringify(created.errors));
  return created.secret;
}

describe("the token cache", () => {
  it("remembers a lookup for at most its time to live, and forgets everything when cleared", async () => {
    let now = 1_000_000;
    const cache = new TokenCache(t.db.sql, 10_000, 100, () => now);
    const secret = await newToken("cached");
    expect((await cache.principalOf(secret))?.actor).toBe("token:cached");
    await t.db.sql.query(`UPDATE api_token SET revoked_at = now() WHERE name = 'cached'`); // behind the cache's back
    now += 9_999;
    expect((await cache.principalOf(secret))?.actor).toBe("token:cached");
    now += 1;
    expect(await cache.principalOf(secret)).toBeNull();

    const other = await newToken("cleared");
    expect(await cache.principalOf(other)).not.toBeNull();
    await t.db.sql.query(`UPDATE api_token SET revoked_at = now() WHERE name = 'cleared'`);
    cache.clear();
    expect(await cache.principalOf(other)).toBeNull();
  });

  it("holds at most maxEntries secrets, so made-up tokens cannot grow it", async () => {
    const cache = new TokenCache(t.db.sql, 10_000, 3);
    for (let i = 0; i < 10; i++) expect(await cache.principalOf(`ts_made-up-${i}`)).toBeNull();
    expect((cache as unknown as { principals: Map<string, unknown> }).principals.size).toBeLessThanOrEqual(3);
  });
});

/** Asks until the replica refuses the secret or the time is up; the last status. */
async function statusWithin(ms: number, url: string, secret: string): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { status } = await gqlAs(url, secret, `{ viewer { actor } }`);
    if (status === 401 || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("revoking a token", () => {
  let replicas: RunningService[] = [];
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
  });

  it("is refused by the replica that revoked it at once, and by every other replica on the NOTIFY", async () => {
    replicas = [await startTestService(t.url, { adminToken: "bootstrap-admin-token-for-tests" }), await startTestService(t.url, { adminToken: "bootstrap-admin-token-for-tests" })];
    const secret = await newToken("two-replicas");
    for (const replica of replicas) expect((await gqlAs(replica.url, secret, `{ viewer { actor } }`)).status).toBe(200);
    const revoked = await gqlAs(replicas[0].url, "bootstrap-admin-token-for-tests", `mutation { revokeApiToken(name: "two-replicas") { token { revokedAt } } }`);
    expect(revoked.body.data.revokeApiToken.token.revokedAt).not.toBeNull();
    expect((await gqlAs(replicas[0].url, secret, `{ viewer { actor } }`)).status).toBe(401);
    expect(await statusWithin(3000, replicas[1].url, secret)).toBe(401);
  });

  it("is seen by a running service when the CLI (another process) revokes it", async () => {
    const secret = await newToken("revoked-elsewhere");
    expect((await gqlAs(replicas[0].url, secret, `{ viewer { actor } }`)).status).toBe(200);
    expect(await revokeApiToken(t.db.sql, "revoked-elsewhere")).not.toBeNull(); // what `tenancy token revoke` calls
    expect(await statusWithin(3000, replicas[0].url, secret)).toBe(401);
  });
});
