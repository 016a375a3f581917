-- Issue 5: API tokens with roles, the audit log, compliance's saved queries with their
-- versions and runs, and the chatops replay guard.

-- CreateTable
CREATE TABLE "api_token" (
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "tenant" TEXT,
    "sources" TEXT[],
    "saved_queries_only" BOOLEAN NOT NULL DEFAULT false,
    "secret_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_token_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "api_token_secret_hash_idx" ON "api_token"("secret_hash");

-- CreateTable
CREATE TABLE "audit_event" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "outcome" TEXT NOT NULL,
    "detail" JSONB,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_event_actor_id_idx" ON "audit_event"("actor", "id");

-- CreateIndex
CREATE INDEX "audit_event_action_id_idx" ON "audit_event"("action", "id");

-- CreateTable
CREATE TABLE "saved_query_version" (
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "document" TEXT NOT NULL,
    "variables" JSONB NOT NULL DEFAULT '{}',
    "description" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT NOT NULL,

    CONSTRAINT "saved_query_version_pkey" PRIMARY KEY ("name","version")
);

-- CreateTable
CREATE TABLE "saved_query_run" (
    "id" BIGSERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "run_by" TEXT NOT NULL,
    "run_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "variables" JSONB NOT NULL,
    "inventory_version" INTEGER NOT NULL,
    "inventory_as_of" TIMESTAMPTZ(3),
    "result" TEXT NOT NULL,
    "digest" TEXT NOT NULL,

    CONSTRAINT "saved_query_run_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "saved_query_run_name_id_idx" ON "saved_query_run"("name", "id");

-- CreateTable
CREATE TABLE "chatops_request" (
    "signature" TEXT NOT NULL,
    "seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chatops_request_pkey" PRIMARY KEY ("signature")
);

-- CreateIndex
CREATE INDEX "chatops_request_seen_at_idx" ON "chatops_request"("seen_at");
