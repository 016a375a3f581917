import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // One graphql, as under Node: vite would give our sources graphql's ESM build while Apollo and
  // graphql-query-complexity load its CommonJS one, and graphql refuses types from another realm.
  resolve: { alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve("graphql") }] },
  test: {
    include: ["test/**/*.test.ts"],
    // The second builds the web app when its sources are newer than web/dist (browser tests).
    globalSetup: ["test/support/global-setup.ts", "test/support/web-build.ts"],
    // Each file gets its own database, so files run in parallel safely; two workers suit the
    // two-core machines CI runs on.
    pool: "forks",
    maxWorkers: 2,
    // Tests run real child processes (each CLI run starts Node and tsx); on a shared, loaded
    // machine one run has taken 20 s, so a test of several runs needs minutes. No timing is
    // asserted: a longer timeout only waits longer for the same answer.
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
