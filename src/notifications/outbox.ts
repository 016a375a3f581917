/*
 * The outbox of change notifications (docs/history.md): each finding event that a webhook's
 * filter takes becomes a webhook_delivery row in the same statement that records the event, so
 * a notification exists exactly when its change was committed. Only the changes worth waking
 * someone for are notified: a finding opened, reopened, worsened, resolved, or its acceptance
 * ran out.
 */
export const NOTIFIED_CHANGES = ["OPENED", "REOPENED", "WORSENED", "RESOLVED", "ACCEPTANCE_EXPIRED"] as const;

/** Wakes the deliverers of every replica at commit. */
export const OUTBOX_CHANNEL = "tenancy_outbox";

/**
 * An INSERT … SELECT of the deliveries for the events in CTE `events` (columns id, finding, at,
 * change, state, severity, evidence), to follow that CTE in one statement.
 */
export const ENQUEUE_DELIVERIES = `
  INSERT INTO webhook_delivery (webhook, event, payload, state)
  SELECT w.id, e.id,
         jsonb_build_object(
           'event', jsonb_build_object('id', e.id::text, 'at', e.at, 'change', e.change, 'state', e.state, 'severity', e.severity, 'evidence', e.evidence),
           'finding', jsonb_build_object('id', f.id, 'kind', f.kind, 'workload', f.workload, 'workloadTenant', f.workload_tenant, 'tenant', f.tenant,
                                         'subject', f.subject, 'since', f.opened_at, 'state', f.state)),
         'PENDING'
    FROM events e
    JOIN finding f ON f.id = e.finding
    JOIN webhook w ON w.deleted_at IS NULL
   WHERE e.change IN (${NOTIFIED_CHANGES.map((c) => `'${c}'`).join(", ")})
     AND (w.filter->>'workload' IS NULL OR w.filter->>'workload' = f.workload)
     AND (w.filter->>'tenant' IS NULL OR w.filter->>'tenant' = f.tenant OR w.filter->>'tenant' = f.workload_tenant)
     AND (jsonb_typeof(w.filter->'kinds') IS DISTINCT FROM 'array' OR w.filter->'kinds' ? f.kind)
     AND (jsonb_typeof(w.filter->'severities') IS DISTINCT FROM 'array' OR w.filter->'severities' ? e.severity)
     AND (jsonb_typeof(w.filter->'changes') IS DISTINCT FROM 'array' OR w.filter->'changes' ? e.change)
  RETURNING 1`;
