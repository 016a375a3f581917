/*
 * What `tenancy report` and `tenancy violations` export, one row per node: the CLI's CSV and the
 * web report page's CSV download select the same fields, so the two files are the same.
 */
export const REPORT_SELECTION = "workloadKey tenantKey outcome required actual possible relationship policyVersion inventoryAsOf explanation";
export const VIOLATIONS_SELECTION = "workload { key } level mode kind domain excess replicas { key } message";
