-- Issue 10: several sources may describe one datacenter. Each source's description is kept
-- apart (datacenter_description); the datacenter table holds their union, kept by the sync.

-- CreateTable
CREATE TABLE "datacenter_description" (
    "key" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "name" TEXT,
    "provider" TEXT,
    "region" TEXT,
    "hazard_zones" TEXT[],
    "planet" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "datacenter_description_pkey" PRIMARY KEY ("key","source")
);

-- CreateIndex
CREATE INDEX "datacenter_description_source_idx" ON "datacenter_description"("source");

-- Existing datacenters become descriptions of the source that owned them. A stored "earth"
-- cannot be told from the default, so it is kept as not given (the union still says earth).
INSERT INTO "datacenter_description" ("key", "source", "name", "provider", "region", "hazard_zones", "planet", "updated_at")
SELECT "key", "source", "name", "provider", "region", COALESCE("hazard_zones", '{}'), NULLIF("planet", 'earth'), "updated_at" FROM "datacenter";

-- AlterTable
ALTER TABLE "datacenter" ADD COLUMN "sources" TEXT[];
UPDATE "datacenter" SET "sources" = ARRAY["source"];

-- DropIndex
DROP INDEX "datacenter_source_idx";

-- AlterTable
ALTER TABLE "datacenter" DROP COLUMN "source";

-- CreateIndex
CREATE INDEX "datacenter_sources_idx" ON "datacenter" USING GIN ("sources");

-- Every source's digest of its datacenters is stale: a description's planet is now null when
-- not given. Dropping them makes the next complete sync diff its datacenters once.
DELETE FROM "source_digest" WHERE "kind" = 'datacenters';
