import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { CONNECTORS } from "./connectors.ts";

/*
 * sources.yaml: the sources to sync on a schedule (`tenancy sync --config`, or inside `serve`
 * with TENANCY_SOURCES). Each entry names its connector, its source key, how often, and its
 * connector's settings; `files` makes it read exports instead of the live provider.
 *
 *   every: 5m                  # the default for every source
 *   sources:
 *     - source: aws-prod
 *       connector: aws
 *       region: eu-west-1,eu-central-1
 *     - source: k8s-prod
 *       connector: kubernetes
 *       every: 1m
 *     - source: dcim
 *       connector: netbox
 *       url: https://netbox.example.com
 *       token: ${NETBOX_TOKEN}   # ${VAR} is read from the environment
 */
export interface ScheduledSource {
  source: string;
  connector: string;
  everyMs: number;
  files: string[];
  settings: Record<string, string>;
}

export class SourcesConfigError extends Error {}

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export function parseDuration(value: string, where: string): number {
  const match = DURATION.exec(value.trim());
  if (!match || Number(match[1]) === 0) throw new SourcesConfigError(`${where}: "${value}" is not a duration like 30s, 5m or 1h`);
  return Number(match[1]) * UNIT[match[2] as keyof typeof UNIT];
}

export function loadSourcesConfig(file: string, env: NodeJS.ProcessEnv = process.env): ScheduledSource[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SourcesConfigError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseSourcesConfig(text, file, path.dirname(file), env);
}

export function parseSourcesConfig(text: string, file: string, baseDir: string, env: NodeJS.ProcessEnv = process.env): ScheduledSource[] {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new SourcesConfigError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  const root = document as { every?: unknown; sources?: unknown } | null;
  if (!root || typeof root !== "object" || !Array.isArray(root.sources)) throw new SourcesConfigError(`${file}: expected a "sources:" list`);
  const defaultEvery = root.every === undefined ? 5 * 60_000 : parseDuration(String(root.every), `${file}: every`);
  const seen = new Set<string>();
  return root.sources.map((entry: unknown, index: number) => {
    const where = `${file}: sources[${index}]`;
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) throw new SourcesConfigError(`${where} is not a mapping`);
    const { source, connector, every, files, ...rest } = entry as Record<string, unknown>;
    if (typeof source !== "string" || !source.trim()) throw new SourcesConfigError(`${where}.source: a source key is required`);
    if (seen.has(source)) throw new SourcesConfigError(`${where}.source: "${source}" is listed twice`);
    seen.add(source);
    if (typeof connector !== "string" || !(connector in CONNECTORS)) {
      throw new SourcesConfigError(`${where}.connector: one of ${Object.keys(CONNECTORS).join(", ")}, not ${JSON.stringify(connector ?? null)}`);
    }
    const fileList = files === undefined ? [] : Array.isArray(files) ? files.map(String) : [String(files)];
    const settings: Record<string, string> = {};
    for (const [key, value] of Object.entries(rest)) {
      if (value === null || typeof value === "object") throw new SourcesConfigError(`${where}.${key}: a setting is a string, a number or a list of strings`);
      settings[key] = expand(Array.isArray(value) ? value.join(",") : String(value), env, `${where}.${key}`);
    }
    return {
      source,
      connector,
      everyMs: every === undefined ? defaultEvery : parseDuration(String(every), `${where}.every`),
      files: fileList.map((f) => path.resolve(baseDir, expand(f, env, `${where}.files`))),
      settings,
    };
  });
}

/** ${VAR} from the environment, so secrets stay out of the file. */
function expand(value: string, env: NodeJS.ProcessEnv, where: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const found = env[name];
    if (found === undefined) throw new SourcesConfigError(`${where}: \${${name}} is not set in the environment`);
    return found;
  });
}
