-- A container that mounts its node's files (a hostPath volume) has no wall of its own under
-- any runtime, a micro-VM's included (docs/separation.md, "A container with its node's files").
-- False for the rows synced before: what every snapshot then meant.

-- AlterTable
ALTER TABLE "container" ADD COLUMN     "node_files" BOOLEAN NOT NULL DEFAULT false;

-- History's kept rows of containers (src/history/past-tables.ts reads them back with
-- jsonb_populate_record) get the same default, so a past container is never NULL here.
UPDATE "inventory_row_version" SET "row" = "row" || '{"node_files": false}'::jsonb
 WHERE "table_name" = 'container' AND NOT ("row" ? 'node_files');
