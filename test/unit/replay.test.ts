/**
 * Replaying kept rejections (README "Replaying rejected requests"): today's acceptance on the request as
 * kept, which rejections a setting refused, the marks, and `npm run replay`'s arguments.
 */
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { replayMark } from "../../functions/adapters/rejected-store.ts";
import { parseEnvelope, type RejectedRequest } from "../../functions/domain/envelope.ts";
import { acceptInboundSms, type InboundRules } from "../../functions/domain/inbound-sms.ts";
import { describeReplay, isConfigurationRejection, notOurNumber } from "../../functions/domain/rejection-replay.ts";
import { reacceptRejected } from "../../functions/http/replay.ts";
import {
  exitCodeOf,
  parseReplayArguments,
  parseSince,
  ReplayInputError,
  type ReplayLine,
} from "../../infra/tools/replay.ts";

const ours = "+821012341234";
const added = "+821099998888";
const rulesThen: InboundRules = { prefixes: ["TEST"], receivingNumbers: new Set([ours]) };
const rulesToday: InboundRules = { prefixes: ["TEST"], receivingNumbers: new Set([ours, added]) };

/** A rejection as the error handler keeps it: the body as received, base64, with its headers. */
function kept(body: Buffer | string, overrides: Partial<RejectedRequest["request"]> = {}): RejectedRequest {
  const bytes = Buffer.from(body);
  return {
    rejectionId: "0123456789abcdef0123456789abcdef",
    route: "inboundSms",
    receivedAt: "2026-11-30T09:15:00.000Z",
    httpStatus: 400,
    errorCode: notOurNumber.errorCode,
    reason: notOurNumber.reason,
    request: {
      method: "POST",
      routeKey: "ANY /inbound/{secret}",
      rawQueryString: "",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      sourceIp: "203.0.113.7",
      bodyBase64: bytes.toString("base64"),
      bodyBytes: bytes.length,
      bodyTruncated: false,
      ...overrides,
    },
  };
}

const form = (recvNum: string, body: string) => `RecvNum=${recvNum}&SendNum=010-5678-5678&Body=${body}`;

describe("reacceptRejected: today's rules on the request as kept", () => {
  it("refuses, with yesterday's settings, what the receive function refused: the same code and reason", async () => {
    expect(await reacceptRejected(kept(form("01099998888", "TEST 안녕")), rulesThen)).toEqual({
      accepted: false,
      httpStatus: 400,
      errorCode: 2004,
      reason: notOurNumber.reason,
    });
  });

  it("accepts it once the number is configured, as the arrival it was: the rejection's id, its original time", async () => {
    const rejection = kept(form("01099998888", "TEST 안녕"));
    const decision = await reacceptRejected(rejection, rulesToday);
    if (!decision.accepted) throw new Error(`expected acceptance, got ${decision.reason}`);
    expect(decision.envelope).toMatchObject({
      kind: "inbound-sms",
      version: 2,
      arrival: {
        arrivalId: rejection.rejectionId,
        receivedAt: rejection.receivedAt,
        replayOf: rejection.rejectionId,
        sms: { recipient: { e164: added }, prefix: "TEST", text: "안녕", flags: [] },
      },
    });
    // What goes on the queue is an envelope the processor reads, replayOf included.
    expect(parseEnvelope(decision.messageBody)).toEqual(decision.envelope);
  });

  it("decodes the kept bytes as the receive function does: EUC-KR declared, multipart, a query string", async () => {
    const eucKr = Buffer.concat([
      Buffer.from("RecvNum=01099998888&SendNum=01056785678&Body="),
      iconv.encode("TEST 똠방각하", "cp949"),
    ]);
    const declared = await reacceptRejected(
      kept(eucKr, { headers: { "content-type": "application/x-www-form-urlencoded; charset=euc-kr" } }),
      rulesToday,
    );
    expect(declared.accepted && declared.envelope.kind === "inbound-sms" && declared.envelope.arrival.sms.text).toBe(
      "똠방각하",
    );
    const query = await reacceptRejected(
      kept("", { rawQueryString: "RecvNum=01099998888&SendNum=01056785678&Body=TEST%20hi", headers: {} }),
      rulesToday,
    );
    expect(query.accepted).toBe(true);
  });

  it("refuses with today's reason what is still wrong: another check, or the body as read", async () => {
    // Numbers are checked before Body: refused for RecvNum then, for its empty Body now.
    expect(await reacceptRejected(kept(form("01099998888", "")), rulesToday)).toEqual({
      accepted: false,
      httpStatus: 400,
      errorCode: 2005,
      reason: "Body is empty",
    });
    expect(await reacceptRejected(kept("not a form", { headers: { "content-type": "text/xml" } }), rulesToday)).toEqual(
      { accepted: false, httpStatus: 415, errorCode: 2005, reason: "unsupported content type text/xml" },
    );
  });

  it("applies the receive function's guards: a method other than POST, a body over the limit (kept cut)", async () => {
    expect(await reacceptRejected(kept(form("01099998888", "TEST x"), { method: "GET" }), rulesToday)).toMatchObject({
      accepted: false,
      httpStatus: 405,
    });
    expect(
      await reacceptRejected(
        kept(form("01099998888", "TEST x"), { bodyBytes: 40 * 1024, bodyTruncated: true }),
        rulesToday,
      ),
    ).toMatchObject({ accepted: false, httpStatus: 413 });
  });

  it("replays inbound SMS only", async () => {
    await expect(reacceptRejected({ ...kept("MsgId=1"), route: "statusCallback" }, rulesToday)).rejects.toThrow(
      /only inbound SMS are replayed/,
    );
  });

  it("answers with the very reason acceptance gives, so that --since finds the rejections a setting refused", () => {
    const acceptance = acceptInboundSms(
      {
        fields: { RecvNum: "01099998888", SendNum: "01056785678", Body: "x" },
        undecodable: {},
        charset: "ascii",
        format: "form-urlencoded",
      },
      rulesThen,
    );
    expect(acceptance).toEqual({ accepted: false, rejection: { errorCode: 2004, reason: notOurNumber.reason } });
  });
});

describe("isConfigurationRejection", () => {
  it.each([
    { what: "a receiving number not configured", rejected: kept(""), expected: true },
    {
      what: "a SendNum that is no number (2004 too)",
      rejected: { ...kept(""), reason: "SendNum is not a valid phone number" },
      expected: false,
    },
    { what: "an empty Body", rejected: { ...kept(""), errorCode: 2005, reason: "Body is empty" }, expected: false },
    { what: "a status callback", rejected: { ...kept(""), route: "statusCallback" }, expected: false },
  ])("$what: $expected", ({ rejected, expected }) => {
    expect(isConfigurationRejection(rejected)).toBe(expected);
  });
});

describe("the replay marks", () => {
  it("set the outcome, and when a replay starts its time, on a rejection that is there only", () => {
    const queued = replayMark(
      "rejections",
      "r1",
      { outcome: "queued", at: "2026-12-04T10:00:00.000Z" },
      "2026-12-04T10:00:00.000Z",
    );
    expect(queued).toMatchObject({
      Key: { rejectionId: "r1" },
      UpdateExpression: "SET #replay = :replay, #replayedAt = :replayedAt",
      ConditionExpression: "attribute_exists(#id)",
    });
    const stored = replayMark("rejections", "r1", { outcome: "stored", at: "t", messageId: "m", deliveryCount: 2 });
    expect(stored.UpdateExpression).toBe("SET #replay = :replay");
    expect(stored.ExpressionAttributeValues).toEqual({
      ":replay": { outcome: "stored", at: "t", messageId: "m", deliveryCount: 2 },
    });
  });

  it("read in one line", () => {
    expect(describeReplay(undefined)).toBe("");
    expect(describeReplay({ outcome: "stored", at: "T", messageId: "m1", deliveryCount: 1 })).toBe("stored as m1 T");
    expect(
      describeReplay({ outcome: "rejected", at: "T", httpStatus: 400, errorCode: 2005, reason: "Body is empty" }),
    ).toBe("still rejected: 2005 Body is empty T");
  });
});

describe("npm run replay: arguments", () => {
  const now = new Date("2026-12-04T12:00:00.000Z");

  it("takes ids, or a time since which", () => {
    expect(parseReplayArguments(["--rejected", "--id", "a", "--id", "b"], now)).toEqual({
      selection: { ids: ["a", "b"] },
      outputs: undefined,
      waitMs: 30_000,
    });
    expect(
      parseReplayArguments(["--rejected", "--since", "2d", "--outputs", "o.json", "--wait-seconds", "5"], now),
    ).toEqual({
      selection: { since: "2026-12-02T12:00:00.000Z" },
      outputs: "o.json",
      waitMs: 5_000,
    });
  });

  it.each([
    { args: ["--id", "a"], error: /--rejected/ },
    { args: ["--rejected"], error: /--id ID .* or --since TIME/ },
    { args: ["--rejected", "--id", "a", "--since", "1h"], error: /one of the two/ },
    { args: ["--rejected", "--since", "yesterday"], error: /--since must be/ },
    { args: ["--rejected", "--id", "a", "--wait-seconds", "soon"], error: /--wait-seconds/ },
    { args: ["--rejected", "--ids", "a"], error: /--ids/ },
  ])("refuses $args in one line", ({ args, error }) => {
    expect(() => parseReplayArguments(args, now)).toThrow(ReplayInputError);
    expect(() => parseReplayArguments(args, now)).toThrow(error);
  });

  it("reads --since as an ISO time with its zone, a date (UTC), or how long ago", () => {
    expect(parseSince("2026-12-01T09:00:00+09:00", now)).toBe("2026-12-01T00:00:00.000Z");
    expect(parseSince("2026-12-01", now)).toBe("2026-12-01T00:00:00.000Z");
    expect(parseSince("90m", now)).toBe("2026-12-04T10:30:00.000Z");
    expect(() => parseSince("2026-12-01T09:00:00", now)).toThrow(/with its zone/);
  });

  it("exits 0 when all were stored, 1 when any is still rejected, 3 when any was not stored in time", () => {
    const line = (outcome: "stored" | "rejected" | "queued") =>
      ({
        rejectionId: "r",
        receivedAt: "t",
        outcome,
        messageId: "m",
        deliveryCount: 1,
        httpStatus: 400,
        errorCode: 2004,
        reason: "",
      }) as ReplayLine;
    expect(exitCodeOf([line("stored"), line("stored")])).toBe(0);
    expect(exitCodeOf([line("stored"), line("queued")])).toBe(3);
    expect(exitCodeOf([line("queued"), line("rejected")])).toBe(1);
  });
});
