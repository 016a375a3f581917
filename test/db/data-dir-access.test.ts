import { chmod, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/open-database.ts";

/*
 * The embedded database's folder is the inventory: whoever may write its files may rewrite
 * verdicts (PGlite writes many of them world-writable, as its initdb image has them). So no
 * other user may reach into it: the folder is the owner's (at most 0750, as PostgreSQL
 * itself demands of a data directory), whether the service creates it or finds it.
 */
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const othersBits = async (dir: string) => (await stat(dir)).mode & 0o027;

describe("the embedded database's folder", () => {
  it("is created closed to other users", async () => {
    const parent = await mkdtemp(path.join(tmpdir(), "tenancy-dir-"));
    dirs.push(parent);
    const dataDir = path.join(parent, "new-data");
    const db = await openDatabase({ dataDir });
    await db.close();
    expect(await othersBits(dataDir)).toBe(0);
  });

  it("is closed to other users when it was found open (a folder made by hand, or by an older version)", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "tenancy-dir-"));
    dirs.push(dataDir);
    await mkdir(dataDir, { recursive: true });
    await chmod(dataDir, 0o777);
    const db = await openDatabase({ dataDir });
    await db.close();
    expect(await othersBits(dataDir)).toBe(0);
  });
});
