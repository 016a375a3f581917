import { describe, expect, it } from "vitest";
import { slackSignature, verifySlackSignature } from "../../src/chatops/slack-signature.ts";

// Slack's own worked example (api.slack.com/authentication/verifying-requests-from-slack).
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const TIMESTAMP = "1531420618";
const BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
const AT = new Date(Number(TIMESTAMP) * 1000 + 30_000);

describe("Slack's request signature", () => {
  it("matches Slack's documented example", () => {
    expect(slackSignature(SECRET, TIMESTAMP, BODY)).toBe(SIGNATURE);
    expect(verifySlackSignature(SECRET, { timestamp: TIMESTAMP, signature: SIGNATURE, rawBody: Buffer.from(BODY) }, AT)).toBe(true);
  });

  it("refuses a changed body, another secret, a changed or missing timestamp, and a malformed signature", () => {
    const check = (over: Partial<{ secret: string; timestamp: string | undefined; signature: string | undefined; body: string }>) =>
      verifySlackSignature(
        over.secret ?? SECRET,
        {
          timestamp: "timestamp" in over ? over.timestamp : TIMESTAMP,
          signature: "signature" in over ? over.signature : SIGNATURE,
          rawBody: Buffer.from(over.body ?? BODY),
        },
        AT,
      );
    expect(check({ body: BODY.replace("text=", "text=violations") })).toBe(false);
    expect(check({ secret: `${SECRET}x` })).toBe(false);
    expect(check({ timestamp: String(Number(TIMESTAMP) + 1) })).toBe(false);
    expect(check({ timestamp: undefined })).toBe(false);
    expect(check({ signature: undefined })).toBe(false);
    expect(check({ signature: SIGNATURE.slice(0, -1) })).toBe(false);
    expect(check({ signature: SIGNATURE.toUpperCase() })).toBe(false);
    expect(check({ timestamp: "1531420618.5" })).toBe(false);
  });

  it("refuses a request more than five minutes old or ahead, however well signed", () => {
    const at = (seconds: number) => new Date((Number(TIMESTAMP) + seconds) * 1000);
    const request = { timestamp: TIMESTAMP, signature: SIGNATURE, rawBody: Buffer.from(BODY) };
    expect(verifySlackSignature(SECRET, request, at(300))).toBe(true);
    expect(verifySlackSignature(SECRET, request, at(301))).toBe(false);
    expect(verifySlackSignature(SECRET, request, at(-300))).toBe(true);
    expect(verifySlackSignature(SECRET, request, at(-301))).toBe(false);
  });
});
