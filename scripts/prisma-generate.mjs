#!/usr/bin/env node
// Runs `prisma generate` without network access.
//
// Why: Prisma 7's client needs no native engine, but the CLI still looks for a schema-engine
// binary and tries to download it when it is missing; these machines cannot reach that
// download. The CLI only checks that the path in PRISMA_SCHEMA_ENGINE_BINARY exists before it
// generates, so pointing it at any existing file lets `generate` run offline. Commands that
// really need the engine (`prisma migrate`) are replaced by our own migrator (DEVELOPERS.md).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, "node_modules", "prisma", "build", "index.js");
if (!existsSync(cli)) {
  console.error("prisma-generate: the prisma CLI is not installed; run `npm install` first");
  process.exit(1);
}
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = cli;
const result = spawnSync(process.execPath, [cli, "generate"], { cwd: root, env, stdio: "inherit" });
process.exit(result.status ?? 1);
