-- CreateTable
CREATE TABLE "source" (
    "key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_synced_at" TIMESTAMPTZ(3),

    CONSTRAINT "source_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "sync_run" (
    "id" SERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "complete" BOOLEAN NOT NULL,
    "allow_mass_removal" BOOLEAN NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "created" INTEGER NOT NULL DEFAULT 0,
    "updated" INTEGER NOT NULL DEFAULT 0,
    "removed" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "warnings" JSONB NOT NULL DEFAULT '[]',
    "errors" JSONB NOT NULL DEFAULT '[]',
    "backend_pid" INTEGER,

    CONSTRAINT "sync_run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "datacenter" (
    "key" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "name" TEXT,
    "provider" TEXT,
    "region" TEXT,
    "hazard_zones" TEXT[],
    "planet" TEXT NOT NULL DEFAULT 'earth',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "datacenter_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "power_domain" (
    "key" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "datacenter" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "power_domain_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "network_domain" (
    "key" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "datacenter" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "network_domain_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "rack" (
    "key" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "datacenter" TEXT NOT NULL,
    "power_domains" TEXT[],
    "network_domains" TEXT[],
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rack_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "host" (
    "key" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "rack" TEXT,
    "datacenter" TEXT,
    "dedicated_to" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "host_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "virtual_machine" (
    "key" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "host" TEXT,
    "container" TEXT,
    "datacenter" TEXT,
    "tenant" TEXT NOT NULL,
    "workload" TEXT,
    "dedicated" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "virtual_machine_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "container" (
    "key" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "virtual_machine" TEXT,
    "host" TEXT,
    "runtime" TEXT NOT NULL DEFAULT 'runc',
    "tenant" TEXT NOT NULL,
    "workload" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "container_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "tenant" (
    "key" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "name" TEXT,
    "organization" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenant_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "workload" (
    "key" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "tenant" TEXT NOT NULL,
    "minimum_isolation" TEXT,
    "anti_affinity" JSONB NOT NULL DEFAULT '[]',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workload_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "sync_run_source_id_idx" ON "sync_run"("source", "id");

-- CreateIndex
CREATE INDEX "sync_run_status_idx" ON "sync_run"("status");

-- CreateIndex
CREATE INDEX "datacenter_source_idx" ON "datacenter"("source");

-- CreateIndex
CREATE INDEX "datacenter_region_idx" ON "datacenter"("region");

-- CreateIndex
CREATE INDEX "power_domain_source_idx" ON "power_domain"("source");

-- CreateIndex
CREATE INDEX "power_domain_datacenter_idx" ON "power_domain"("datacenter");

-- CreateIndex
CREATE INDEX "network_domain_source_idx" ON "network_domain"("source");

-- CreateIndex
CREATE INDEX "network_domain_datacenter_idx" ON "network_domain"("datacenter");

-- CreateIndex
CREATE INDEX "rack_source_idx" ON "rack"("source");

-- CreateIndex
CREATE INDEX "rack_datacenter_idx" ON "rack"("datacenter");

-- CreateIndex
CREATE INDEX "rack_power_domains_idx" ON "rack" USING GIN ("power_domains");

-- CreateIndex
CREATE INDEX "rack_network_domains_idx" ON "rack" USING GIN ("network_domains");

-- CreateIndex
CREATE INDEX "host_source_idx" ON "host"("source");

-- CreateIndex
CREATE INDEX "host_rack_idx" ON "host"("rack");

-- CreateIndex
CREATE INDEX "host_datacenter_idx" ON "host"("datacenter");

-- CreateIndex
CREATE INDEX "virtual_machine_source_idx" ON "virtual_machine"("source");

-- CreateIndex
CREATE INDEX "virtual_machine_host_idx" ON "virtual_machine"("host");

-- CreateIndex
CREATE INDEX "virtual_machine_container_idx" ON "virtual_machine"("container");

-- CreateIndex
CREATE INDEX "virtual_machine_datacenter_idx" ON "virtual_machine"("datacenter");

-- CreateIndex
CREATE INDEX "virtual_machine_tenant_idx" ON "virtual_machine"("tenant");

-- CreateIndex
CREATE INDEX "virtual_machine_workload_idx" ON "virtual_machine"("workload");

-- CreateIndex
CREATE INDEX "container_source_idx" ON "container"("source");

-- CreateIndex
CREATE INDEX "container_virtual_machine_idx" ON "container"("virtual_machine");

-- CreateIndex
CREATE INDEX "container_host_idx" ON "container"("host");

-- CreateIndex
CREATE INDEX "container_tenant_idx" ON "container"("tenant");

-- CreateIndex
CREATE INDEX "container_workload_idx" ON "container"("workload");

-- CreateIndex
CREATE INDEX "tenant_source_idx" ON "tenant"("source");

-- CreateIndex
CREATE INDEX "tenant_organization_idx" ON "tenant"("organization");

-- CreateIndex
CREATE INDEX "workload_source_idx" ON "workload"("source");

-- CreateIndex
CREATE INDEX "workload_tenant_idx" ON "workload"("tenant");
