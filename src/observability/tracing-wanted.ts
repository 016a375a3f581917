/*
 * Whether to trace, decided before anything is loaded (bin/tenancy.mjs): this module imports
 * nothing, so a service that does not trace never loads the OpenTelemetry SDK.
 */

/** Traced when an OTLP endpoint is configured and the SDK is not disabled (OTEL_SDK_DISABLED=true). */
export function tracingWanted(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}
