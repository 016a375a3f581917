-- Issue 11: the isolation index patches itself per sync (src/isolation/read-inventory-changes.ts).
-- It finds the rows a version wrote by their history_xact: replaced and removed rows are in
-- inventory_row_version already (indexed by table and transaction), inserted ones only carry
-- the transaction on the row itself. All rows one sync writes share one value, so the index
-- stays small (B-tree deduplication) and cheap to maintain.

-- CreateIndex
CREATE INDEX "datacenter_history_xact_idx" ON "datacenter"("history_xact");

-- CreateIndex
CREATE INDEX "rack_history_xact_idx" ON "rack"("history_xact");

-- CreateIndex
CREATE INDEX "host_history_xact_idx" ON "host"("history_xact");

-- CreateIndex
CREATE INDEX "virtual_machine_history_xact_idx" ON "virtual_machine"("history_xact");

-- CreateIndex
CREATE INDEX "container_history_xact_idx" ON "container"("history_xact");

-- CreateIndex
CREATE INDEX "tenant_history_xact_idx" ON "tenant"("history_xact");

-- CreateIndex
CREATE INDEX "workload_history_xact_idx" ON "workload"("history_xact");

-- CreateIndex
CREATE INDEX "anti_affinity_override_history_xact_idx" ON "anti_affinity_override"("history_xact");
