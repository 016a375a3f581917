/*
 * Starts tracing when it is wanted, and loads nothing more when it is not. bin/tenancy.mjs
 * imports it before the service; another entry point preloads it the same way:
 * `node --import ./dist/observability/preload-tracing.js your-entry.js`.
 */
import { tracingWanted } from "./tracing-wanted.ts";

if (tracingWanted(process.env)) (await import("./start-tracing.ts")).startTracing();
