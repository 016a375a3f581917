import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** schema.graphql at the repository root: the API's source of truth. */
export const SCHEMA_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../schema.graphql");
export const typeDefs = readFileSync(SCHEMA_PATH, "utf8");
