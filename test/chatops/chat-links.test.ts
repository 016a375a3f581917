import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { ADMIN_TOKEN, startSecuredDemo, type SecuredDemo } from "../support/secured-demo.ts";
import { startTestService } from "../support/test-service.ts";
import type { RunningService } from "../../src/service.ts";

/* Chat answers link to their page in the web view when TENANCY_PUBLIC_URL is set, and only then. */
let demo: SecuredDemo;
let linked: RunningService;
beforeAll(async () => {
  demo = await startSecuredDemo();
  linked = await startTestService(demo.t.url, { adminToken: ADMIN_TOKEN, publicUrl: loadConfig({ TENANCY_PUBLIC_URL: "https://tenancy.example.org/" }).publicUrl });
});
afterAll(async () => {
  await linked?.close();
  await demo.close();
});

async function chat(service: RunningService, text: string) {
  const response = await fetch(new URL("/chatops", service.url), { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ text }) });
  return (await response.json()) as { ok: boolean; text: string };
}

describe("links from chat to the web view", () => {
  it("links a verdict to its verdict page and a what-if to its what-if page", async () => {
    const verdict = await chat(linked, "isolated genome-pipeline from geology");
    expect(verdict.text.split("\n").at(-1)).toBe("See it: https://tenancy.example.org/verdict?workload=genome-pipeline&tenant=geology");
    const impact = await chat(linked, "impact power-domain fra1-pdu-a");
    expect(impact.text.split("\n").at(-1)).toBe("See it: https://tenancy.example.org/what-if?level=POWER_DOMAIN&domain=fra1-pdu-a");
  });

  it("adds no link without TENANCY_PUBLIC_URL, nor to a refusal", async () => {
    expect((await chat(demo.service, "isolated genome-pipeline from geology")).text).not.toContain("See it");
    const refused = await chat(linked, "isolated nope from geology");
    expect(refused.ok).toBe(false);
    expect(refused.text).not.toContain("See it");
  });

  it("refuses a TENANCY_PUBLIC_URL that is not an absolute http(s) address", () => {
    expect(() => loadConfig({ TENANCY_PUBLIC_URL: "tenancy.example.org" })).toThrow(ConfigError);
    expect(() => loadConfig({ TENANCY_PUBLIC_URL: "javascript:alert(1)" })).toThrow("TENANCY_PUBLIC_URL must be http or https");
    expect(loadConfig({ TENANCY_PUBLIC_URL: "https://x.example/tenancy/" }).publicUrl).toBe("https://x.example/tenancy");
    expect(() => loadConfig({ TENANCY_GRAPHIQL: "yes" })).toThrow('TENANCY_GRAPHIQL must be on or off, got "yes"');
    expect(loadConfig({ NODE_ENV: "production" }).graphiql).toBe(false);
    expect(loadConfig({ NODE_ENV: "production", TENANCY_GRAPHIQL: "on" }).graphiql).toBe(true);
  });
});
