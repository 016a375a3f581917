-- CreateTable
CREATE TABLE "source_digest" (
    "source" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "digest" TEXT NOT NULL,

    CONSTRAINT "source_digest_pkey" PRIMARY KEY ("source","kind")
);
