-- Issue 12: sync grants by kind and tenant, and denials aggregated in the audit log.

-- AlterTable
ALTER TABLE "api_token" ADD COLUMN     "kinds" TEXT[],
ADD COLUMN     "tenants" TEXT[];

-- AlterTable
ALTER TABLE "audit_event" ADD COLUMN     "aggregate_key" TEXT,
ADD COLUMN     "count" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "last_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ALTER COLUMN "role" DROP NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "audit_event_aggregate_key_key" ON "audit_event"("aggregate_key");
