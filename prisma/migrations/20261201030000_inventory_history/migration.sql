-- Issue 14: inventory history. Every row of the tables verdicts and lookups read carries the
-- transaction that wrote it (history_xact); a row replaced or removed is copied, as it was,
-- into inventory_row_version with the transaction that replaced it. Each change of the
-- inventory version records its transaction and time (inventory_change), so "the inventory at
-- version V" is: the current rows written at or before V, plus the kept rows written at or
-- before V and replaced after it (src/history/past-tables.ts). Inserts pay only the column
-- default: an initial sync writes no history, a no-change resync writes nothing at all.

-- CreateTable
CREATE TABLE "inventory_change" (
    "version" INTEGER NOT NULL,
    "xact" BIGINT,
    "changed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "inventory_change_pkey" PRIMARY KEY ("version")
);

-- CreateIndex
CREATE INDEX "inventory_change_xact_idx" ON "inventory_change"("xact");

-- CreateIndex
CREATE INDEX "inventory_change_changed_at_idx" ON "inventory_change"("changed_at");

-- CreateTable
CREATE TABLE "inventory_row_version" (
    "id" BIGSERIAL NOT NULL,
    "table_name" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "row" JSONB NOT NULL,
    "replaced_xact" BIGINT NOT NULL,
    "replaced_at" TIMESTAMPTZ(6) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "inventory_row_version_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "inventory_row_version_table_name_replaced_xact_idx" ON "inventory_row_version"("table_name", "replaced_xact");

-- CreateIndex
CREATE INDEX "inventory_row_version_replaced_at_idx" ON "inventory_row_version"("replaced_at");

-- CreateTable
CREATE TABLE "source_sync_log" (
    "id" BIGSERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "synced_at" TIMESTAMPTZ(3),
    "logged_at" TIMESTAMPTZ(6) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "source_sync_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "source_sync_log_source_logged_at_idx" ON "source_sync_log"("source", "logged_at");

-- CreateTable
CREATE TABLE "history_horizon" (
    "id" INTEGER NOT NULL,
    "since" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "history_horizon_pkey" PRIMARY KEY ("id")
);

-- History begins now, at the inventory as it is.
INSERT INTO "history_horizon" ("id", "since") VALUES (1, clock_timestamp());
INSERT INTO "inventory_change" ("version", "xact", "changed_at")
SELECT coalesce((SELECT "version" FROM "inventory_state" WHERE "id" = 1), 0), NULL, clock_timestamp();
INSERT INTO "source_sync_log" ("source", "synced_at", "logged_at")
SELECT "key", "last_synced_at", clock_timestamp() FROM "source" WHERE "last_synced_at" IS NOT NULL;

-- Copies the row being replaced or removed; stamps a written row with its transaction.
CREATE FUNCTION "inventory_history_capture"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO inventory_row_version (table_name, key, "row", replaced_xact)
  VALUES (TG_TABLE_NAME, to_jsonb(OLD) ->> TG_ARGV[0], to_jsonb(OLD), txid_current());
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  NEW.history_xact := txid_current();
  RETURN NEW;
END
$$;

-- Logs each source's sync time as it moves (unchanged syncs move it too).
CREATE FUNCTION "source_sync_capture"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.last_synced_at IS DISTINCT FROM OLD.last_synced_at THEN
    INSERT INTO source_sync_log (source, synced_at) VALUES (NEW.key, NEW.last_synced_at);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "source_sync_history" AFTER INSERT OR UPDATE ON "source" FOR EACH ROW EXECUTE FUNCTION "source_sync_capture"();

-- AlterTable
ALTER TABLE "datacenter" ADD COLUMN "history_xact" BIGINT DEFAULT txid_current();
ALTER TABLE "datacenter_description" ADD COLUMN "history_xact" BIGINT DEFAULT txid_current();
ALTER TABLE "power_domain" ADD COLUMN "history_xact" BIGINT DEFAULT txid_current();
ALTER TABLE "network_domain" ADD COLUMN "history_xact" BIGINT DEFAULT txid_current();
ALTER TABLE "rack" ADD COLUMN "history_xact" BIGINT DEFAULT txid_current();
ALTER TABLE "host" ADD COLUMN "history_xact" BIGINT DEFAULT txid_current();
ALTER TABLE "virtual_machine" ADD COLUMN "history_xact" BIGINT DEFAULT txid_current();
ALTER TABLE "container" ADD COLUMN "history_xact" BIGINT DEFAULT txid_current();
ALTER TABLE "tenant" ADD COLUMN "history_xact" BIGINT DEFAULT txid_current();
ALTER TABLE "workload" ADD COLUMN "history_xact" BIGINT DEFAULT txid_current();
ALTER TABLE "anti_affinity_override" ADD COLUMN "history_xact" BIGINT DEFAULT txid_current();

-- Rows from before history began were written at no recorded transaction: version 0.
UPDATE "datacenter" SET "history_xact" = NULL;
UPDATE "datacenter_description" SET "history_xact" = NULL;
UPDATE "power_domain" SET "history_xact" = NULL;
UPDATE "network_domain" SET "history_xact" = NULL;
UPDATE "rack" SET "history_xact" = NULL;
UPDATE "host" SET "history_xact" = NULL;
UPDATE "virtual_machine" SET "history_xact" = NULL;
UPDATE "container" SET "history_xact" = NULL;
UPDATE "tenant" SET "history_xact" = NULL;
UPDATE "workload" SET "history_xact" = NULL;
UPDATE "anti_affinity_override" SET "history_xact" = NULL;

CREATE TRIGGER "datacenter_history" BEFORE UPDATE OR DELETE ON "datacenter" FOR EACH ROW EXECUTE FUNCTION "inventory_history_capture"('key');
CREATE TRIGGER "datacenter_description_history" BEFORE UPDATE OR DELETE ON "datacenter_description" FOR EACH ROW EXECUTE FUNCTION "inventory_history_capture"('key');
CREATE TRIGGER "power_domain_history" BEFORE UPDATE OR DELETE ON "power_domain" FOR EACH ROW EXECUTE FUNCTION "inventory_history_capture"('key');
CREATE TRIGGER "network_domain_history" BEFORE UPDATE OR DELETE ON "network_domain" FOR EACH ROW EXECUTE FUNCTION "inventory_history_capture"('key');
CREATE TRIGGER "rack_history" BEFORE UPDATE OR DELETE ON "rack" FOR EACH ROW EXECUTE FUNCTION "inventory_history_capture"('key');
CREATE TRIGGER "host_history" BEFORE UPDATE OR DELETE ON "host" FOR EACH ROW EXECUTE FUNCTION "inventory_history_capture"('key');
CREATE TRIGGER "virtual_machine_history" BEFORE UPDATE OR DELETE ON "virtual_machine" FOR EACH ROW EXECUTE FUNCTION "inventory_history_capture"('key');
CREATE TRIGGER "container_history" BEFORE UPDATE OR DELETE ON "container" FOR EACH ROW EXECUTE FUNCTION "inventory_history_capture"('key');
CREATE TRIGGER "tenant_history" BEFORE UPDATE OR DELETE ON "tenant" FOR EACH ROW EXECUTE FUNCTION "inventory_history_capture"('key');
CREATE TRIGGER "workload_history" BEFORE UPDATE OR DELETE ON "workload" FOR EACH ROW EXECUTE FUNCTION "inventory_history_capture"('key');
CREATE TRIGGER "anti_affinity_override_history" BEFORE UPDATE OR DELETE ON "anti_affinity_override" FOR EACH ROW EXECUTE FUNCTION "inventory_history_capture"('workload');
