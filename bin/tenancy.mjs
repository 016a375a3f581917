#!/usr/bin/env node
// The `tenancy` command. In production (NODE_ENV=production) it runs the compiled JavaScript
// that `npm run build` puts in dist/; elsewhere the TypeScript sources through tsx's loader,
// so that a change to src/ counts at once.
import { existsSync } from "node:fs";

const compiled = new URL("../dist/cli/main.js", import.meta.url);
if (process.env.NODE_ENV === "production") {
  if (!existsSync(compiled)) {
    console.error("tenancy: NODE_ENV=production runs the compiled build, and dist/ has none: run `npm run build` first");
    process.exit(3);
  }
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
