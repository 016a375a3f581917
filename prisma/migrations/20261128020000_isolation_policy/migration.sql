-- CreateTable
CREATE TABLE "isolation_policy" (
    "version" SERIAL NOT NULL,
    "same_tenant" TEXT NOT NULL,
    "same_organization" TEXT NOT NULL,
    "other_organization" TEXT NOT NULL,
    "comment" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "isolation_policy_pkey" PRIMARY KEY ("version")
);

-- CreateTable
CREATE TABLE "inventory_state" (
    "id" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,

    CONSTRAINT "inventory_state_pkey" PRIMARY KEY ("id")
);
