-- Issue 16: each Kubernetes source's nodes by name, and the unit each runs as. A cloud node is
-- synced as the cloud VM its providerID names (key i-0abc…, not the node's name), and an
-- AdmissionReview names only spec.nodeName: the webhook and the extender find the VM here.
CREATE TABLE "kubernetes_node" (
    "source" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "virtual_machine" TEXT,
    "host" TEXT,

    CONSTRAINT "kubernetes_node_pkey" PRIMARY KEY ("source","name")
);
