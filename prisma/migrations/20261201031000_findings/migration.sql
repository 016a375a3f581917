-- Issue 14: findings with a lifecycle. Each (workload, tenant) pair of the isolation report and
-- each anti-affinity violation is a finding with a stable id; its states and evidence are kept
-- as events (src/findings/update-findings.ts).

-- CreateTable
CREATE TABLE "finding" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "workload" TEXT NOT NULL,
    "workload_tenant" TEXT,
    "tenant" TEXT,
    "subject" JSONB NOT NULL,
    "state" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "evidence" JSONB NOT NULL,
    "opened_evidence" JSONB NOT NULL,
    "first_seen_at" TIMESTAMPTZ(6) NOT NULL,
    "opened_at" TIMESTAMPTZ(6) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(6) NOT NULL,
    "resolved_at" TIMESTAMPTZ(6),
    "accepted_by" TEXT,
    "accepted_reason" TEXT,
    "accepted_at" TIMESTAMPTZ(6),
    "accepted_until" TIMESTAMPTZ(6),

    CONSTRAINT "finding_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "finding_state_idx" ON "finding"("state");

-- CreateIndex
CREATE INDEX "finding_workload_idx" ON "finding"("workload");

-- CreateIndex
CREATE INDEX "finding_tenant_idx" ON "finding"("tenant");

-- CreateIndex
CREATE INDEX "finding_opened_at_idx" ON "finding"("opened_at");

-- CreateTable
CREATE TABLE "finding_event" (
    "id" BIGSERIAL NOT NULL,
    "finding" TEXT NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT clock_timestamp(),
    "change" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "evidence" JSONB,
    "actor" TEXT,
    "inventory_version" INTEGER,
    "policy_version" INTEGER,

    CONSTRAINT "finding_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "finding_event_finding_id_idx" ON "finding_event"("finding", "id");

-- CreateTable
CREATE TABLE "findings_state" (
    "id" INTEGER NOT NULL,
    "inventory_version" INTEGER NOT NULL,
    "policy_version" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "findings_state_pkey" PRIMARY KEY ("id")
);
