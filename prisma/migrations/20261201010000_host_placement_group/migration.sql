-- Issue 10: a host that stands for a slot of a provider's placement group (an AWS spread or
-- partition group, an Azure availability set's fault domain) is known apart only from the
-- group's other slots (docs/separation.md). Null for a host of its own.

-- AlterTable
ALTER TABLE "host" ADD COLUMN     "placement_group" TEXT;
