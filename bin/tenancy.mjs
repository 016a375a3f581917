#!/usr/bin/env node
// The `tenancy` command. In production (NODE_ENV=production) it runs the compiled JavaScript
// that `npm run build` puts in dist/; elsewhere the TypeScript sources through tsx's loader,
// so that a change to src/ counts at once.
import { existsSync } from "node:fs";

const production = process.env.NODE_ENV === "production";
const modules = new URL(production ? "../dist/" : "../src/", import.meta.url);
const module = (name) => new URL(`${name}${production ? ".js" : ".ts"}`, modules).href;
if (production) {
  if (!existsSync(new URL("cli/main.js", modules))) {
    console.error("tenancy: NODE_ENV=production runs the compiled build, and dist/ has none: run `npm run build` first");
    process.exit(3);
  }
} else {
  const { register } = await import("tsx/esm/api");
  register();
}
// Tracing (OTEL_EXPORTER_OTLP_ENDPOINT set) starts before the service's modules are imported,
// so that its instrumentations see pg, graphql and http load; otherwise the SDK is never loaded.
await import(module("observability/preload-tracing"));
await import(module("cli/main"));
