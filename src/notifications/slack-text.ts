/*
 * A finding change as one Slack message, in the words of the chat answers
 * (src/chatops/chat-commands.ts): the outcome first with its emoji, then who from whom and why.
 */
interface Payload {
  event: { change: string; severity: string; evidence: Evidence | null };
  finding: { kind: string; workload: string; workloadTenant: string | null; tenant: string | null; subject: Record<string, unknown> };
}

/** What a finding's evidence holds that the message names (src/domain/findings.ts writes it). */
interface Evidence {
  required?: string;
  actual?: string;
  possible?: string;
  weakestPair?: { unit: string; otherUnit: string; shared: string };
  message?: string;
}

const CHANGE: Record<string, string> = {
  OPENED: "new finding",
  REOPENED: "finding back",
  WORSENED: "finding worse",
  RESOLVED: "resolved",
  ACCEPTANCE_EXPIRED: "acceptance expired",
};

const OUTCOME: Record<string, string> = { NOT_ISOLATED: ":x: *NOT ISOLATED*", UNPROVEN: ":warning: *UNPROVEN*", HARD: ":x: *anti-affinity violation*", SOFT: ":warning: *anti-affinity violation (soft)*" };

/** Slack mrkdwn treats &, < and > as control characters. */
const escape = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

export function slackText(payload: Payload): string {
  const { event, finding } = payload;
  const change = CHANGE[event.change] ?? event.change.toLowerCase();
  if (event.change === "RESOLVED") {
    const what = finding.kind === "ISOLATION" ? `*${escape(finding.workload)}* from tenant *${escape(finding.tenant ?? "")}*` : `the ${escape(String(finding.subject.level))} rule of *${escape(finding.workload)}*`;
    return `:white_check_mark: *Resolved*: ${what} is no longer in the report.`;
  }
  const e: Evidence = event.evidence ?? {};
  if (finding.kind === "ISOLATION") {
    const proven = e.possible === e.actual ? `proven ${e.actual}` : `proven ${e.actual}, possibly ${e.possible}`;
    const pair = e.weakestPair ? `; closest: ${escape(e.weakestPair.unit)} and ${escape(e.weakestPair.otherUnit)} (${escape(e.weakestPair.shared)})` : "";
    return `${OUTCOME[event.severity] ?? event.severity} (${change}): *${escape(finding.workload)}* from tenant *${escape(finding.tenant ?? "")}* (needs ${e.required}; ${proven})${pair}`;
  }
  return `${OUTCOME[event.severity] ?? event.severity} (${change}): ${escape(String(e.message ?? finding.workload))}`;
}
