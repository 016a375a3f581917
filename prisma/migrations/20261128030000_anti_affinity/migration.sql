-- AlterTable
ALTER TABLE "workload" ADD COLUMN     "min_healthy_replicas" INTEGER;

-- CreateTable
CREATE TABLE "anti_affinity_override" (
    "workload" TEXT NOT NULL,
    "rules" JSONB NOT NULL,
    "comment" TEXT,
    "set_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "anti_affinity_override_pkey" PRIMARY KEY ("workload")
);
