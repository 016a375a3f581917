import { createHmac, timingSafeEqual } from "node:crypto";

/*
 * Slack's request signature (https://api.slack.com/authentication/verifying-requests-from-slack):
 * `v0=` + hex HMAC-SHA256, keyed by the app's signing secret, of `v0:<timestamp>:<raw body>`.
 * A request whose timestamp is more than five minutes from now is refused, whatever its
 * signature, so a captured request cannot be replayed later (and replays inside the window are
 * refused by the replay guard, replay-guard.ts).
 */
export const MAX_AGE_SECONDS = 5 * 60;

export interface SignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
}

export function slackSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:`).update(rawBody).digest("hex")}`;
}

export function verifySlackSignature(secret: string, request: SignedRequest, now: Date = new Date()): boolean {
  const { timestamp, signature } = request;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp)) > MAX_AGE_SECONDS) return false;
  const expected = Buffer.from(slackSignature(secret, timestamp, request.rawBody), "utf8");
  const given = Buffer.from(signature, "utf8");
  // timingSafeEqual needs equal lengths; a wrong length is wrong anyway and says nothing of the secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
