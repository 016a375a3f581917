-- Issue 6: each scheduled source's last attempt, outcome and error.

-- CreateTable
CREATE TABLE "source_status" (
    "source" TEXT NOT NULL,
    "connector" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "last_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_success_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "last_run_id" INTEGER,
    "warnings" JSONB NOT NULL DEFAULT '[]',

    CONSTRAINT "source_status_pkey" PRIMARY KEY ("source")
);
