/*
 * A webhook's URL as answered and audited: a Slack incoming webhook's path is its secret (anyone
 * holding it can post to the channel), so only its origin is shown; credentials in a URL
 * (user:password@, refused at registration) are never repeated anywhere.
 */
export const HIDDEN_PATH = "/…";

export function shownWebhookUrl(url: string, format: string | null | undefined): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL (refused): still drop anything that looks like credentials before an "@".
    return url.replace(/\/\/[^/?#]*@/, "//");
  }
  parsed.username = "";
  parsed.password = "";
  return format === "SLACK" ? `${parsed.origin}${HIDDEN_PATH}` : parsed.href;
}
