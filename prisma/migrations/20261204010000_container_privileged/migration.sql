-- A container with its node's rights (privileged, the node's PID or IPC namespace, a hostPath
-- volume, SYS_ADMIN) has no wall of its own under runc-class runtimes (docs/separation.md).
-- False for the rows synced before: what every snapshot then meant.

-- AlterTable
ALTER TABLE "container" ADD COLUMN     "privileged" BOOLEAN NOT NULL DEFAULT false;

-- History's kept rows of containers (src/history/past-tables.ts reads them back with
-- jsonb_populate_record) get the same default, so a past container is never NULL here.
UPDATE "inventory_row_version" SET "row" = "row" || '{"privileged": false}'::jsonb
 WHERE "table_name" = 'container' AND NOT ("row" ? 'privileged');
