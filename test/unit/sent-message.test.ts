import { describe, expect, it } from "vitest";
import { readAnswer } from "../../functions/adapters/tobetext-api.ts";
import {
  checkSendRequest,
  nationalDigits,
  outcomeOfAnswer,
  type SentMessage,
  toBeTextFields,
} from "../../functions/domain/sent-message.ts";
import {
  changesSentMessage,
  type ReportUpdate,
  type SentMessageLookup,
  sentMessageOf,
} from "../../functions/use-cases/settle-sent-message.ts";

const numbers = { allowed: ["+8215881234", "+82212345678"] };

describe("checkSendRequest", () => {
  it("takes a request and defaults the sender to the account's first number", () => {
    const checked = checkSendRequest({ to: "010-1234-5678", text: "안녕하세요", ckey: "order-1" }, numbers);
    expect(checked).toEqual({
      ok: true,
      command: {
        ckey: "order-1",
        to: { asSent: "010-1234-5678", e164: "+821012345678" },
        from: { asSent: "+8215881234", e164: "+8215881234" },
        text: "안녕하세요",
        transactional: false,
      },
    });
  });

  it("takes `transactional: true` (sent even to a number that opted out), and nothing but a boolean", () => {
    const request = { to: "01012345678", text: "주문이 발송되었습니다", ckey: "order-2" };
    const marked = checkSendRequest({ ...request, transactional: true }, numbers);
    expect(marked.ok && marked.command.transactional).toBe(true);
    const unmarked = checkSendRequest({ ...request, transactional: false }, numbers);
    expect(unmarked.ok && unmarked.command.transactional).toBe(false);
    const wrong = checkSendRequest({ ...request, transactional: "yes" }, numbers);
    expect(wrong.ok).toBe(false);
    if (!wrong.ok)
      expect(wrong.refusal).toEqual({ field: "transactional", reason: "transactional must be true or false" });
  });

  it("uses the fallback CKey (the SQS message id) when the request names none", () => {
    const checked = checkSendRequest({ to: "01012345678", text: "hi" }, numbers, "5f1c-aa");
    expect(checked.ok && checked.command.ckey).toBe("5f1c-aa");
  });

  it.each([
    [{ to: "010-1234-5678" }, "text", /text is empty/],
    [{ text: "hi" }, "to", /to is missing/],
    [{ to: "12", text: "hi" }, "to", /to is not a phone number/],
    [{ to: "01012345678", text: "hi", from: "010-9999-9999" }, "from", /not one of this account's numbers/],
    [{ to: "01012345678", text: "hi", from: "abc" }, "from", /from is not a phone number/],
    [{ to: "01012345678", text: "가".repeat(81) }, "text", /81 characters.*80 when any is not ASCII/],
    [{ to: "01012345678", text: "a".repeat(161) }, "text", /161 characters.*at most 160/],
    [{ to: "01012345678", text: "hi", ckey: "has space" }, "ckey", /ckey must be/],
    [{ to: "01012345678", text: 5 }, "text", /text must be a string/],
  ])("refuses %j naming %s", (request, field, reason) => {
    const checked = checkSendRequest({ ckey: "k-1", ...request }, numbers);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.refusal.field).toBe(field);
    expect(checked.refusal.reason).toMatch(reason);
  });

  it("takes 80 Korean characters and 160 ASCII ones (ToBeText's 160 bytes)", () => {
    expect(checkSendRequest({ ckey: "k", to: "01012345678", text: "가".repeat(80) }, numbers).ok).toBe(true);
    expect(checkSendRequest({ ckey: "k", to: "01012345678", text: "a".repeat(160) }, numbers).ok).toBe(true);
  });

  it("refuses what is no JSON object", () => {
    for (const raw of [undefined, null, "text", [1]]) {
      const checked = checkSendRequest(raw, numbers, "sqs-id");
      expect(checked.ok).toBe(false);
      if (!checked.ok) expect(checked.refusal.field).toBe("request");
    }
  });

  it("requires from when the account lists no numbers", () => {
    const checked = checkSendRequest({ ckey: "k", to: "01012345678", text: "hi" }, { allowed: [] });
    expect(!checked.ok && checked.refusal.field).toBe("from");
    expect(checkSendRequest({ ckey: "k", to: "01012345678", text: "hi", from: "1588-1234" }, { allowed: [] }).ok).toBe(
      true,
    );
  });
});

describe("ToBeText's fields", () => {
  it("gives RecvNum in E.164 and SendNum as a Korean caller sees it, with the callback", () => {
    const checked = checkSendRequest({ ckey: "k-1", to: "010-1234-5678", text: "hi", from: "02-1234-5678" }, numbers);
    if (!checked.ok) throw new Error("refused");
    expect(toBeTextFields(checked.command, { cid: "c", token: "t" }, "https://x/status-callback/s")).toEqual({
      Ckey: "k-1",
      RecvNum: "+821012345678",
      SendNum: "0212345678",
      Body: "hi",
      Cid: "c",
      token: "t",
      callback: "https://x/status-callback/s",
    });
    expect(nationalDigits("+14155550100")).toBe("14155550100");
  });
});

describe("outcomeOfAnswer", () => {
  const xml = (code: string, msgId = "", msg = "m") =>
    `<ToBeTextResult><Status>${code === "200" ? "Success" : "Failed"}</Status><MsgId>${msgId}</MsgId><ErrorCode>${code}</ErrorCode><ErrorMsg>${msg}</ErrorMsg></ToBeTextResult>`;

  it("accepts ErrorCode 200 with a MsgId", () => {
    expect(outcomeOfAnswer(readAnswer(200, xml("200", "41aa33709703dea382c10a057823ffdc")))).toEqual({
      sendOutcome: "accepted",
      msgId: "41aa33709703dea382c10a057823ffdc",
      errorCode: "200",
    });
  });

  it.each([
    ["2001", /^Ckey: /],
    ["2002", /^Cid\/token: /],
    ["2004", /^SendNum: /],
    ["2005", /^Body: /],
    ["2999", /ErrorCode 2999/],
  ])("refuses on %s with a reason naming the field", (code, reason) => {
    const outcome = outcomeOfAnswer(readAnswer(200, xml(code, "", "bad field")));
    expect(outcome.sendOutcome).toBe("refused");
    expect(outcome.errorCode).toBe(code);
    expect(outcome.reason).toMatch(reason);
    expect(outcome.reason).toMatch(/bad field$/);
  });

  it("leaves the outcome unknown when the answer is no result (ToBeText may have the message)", () => {
    expect(outcomeOfAnswer(readAnswer(502, "<html>Bad Gateway</html>")).sendOutcome).toBe("unknown");
    expect(outcomeOfAnswer(readAnswer(200, "not xml <")).sendOutcome).toBe("unknown");
    expect(outcomeOfAnswer(readAnswer(200, xml("200"))).sendOutcome).toBe("unknown");
  });
});

describe("changesSentMessage", () => {
  const sent: SentMessage = {
    ckey: "k",
    requestedAt: "2026-01-01T00:00:00.000Z",
    requestId: "r",
    attempt: "a",
    sendOutcome: "accepted",
    status: "accepted",
    msgId: "m",
    deliveryReportId: "MsgId#m",
  };
  const delivered: ReportUpdate = {
    deliveryReportId: "MsgId#m",
    msgId: "m",
    reportedStatus: "Success",
    result: "delivered",
  };

  it("writes a first final result, and one after an expiry", () => {
    expect(changesSentMessage(sent, delivered)).toBe(true);
    expect(changesSentMessage({ ...sent, result: "expired", status: "expired" }, delivered)).toBe(true);
  });

  it("never replaces a final result, and costs a repeated callback nothing", () => {
    const settled = { ...sent, result: "delivered", status: "delivered", reportedStatus: "Success" } as const;
    expect(changesSentMessage(settled, delivered)).toBe(false);
    expect(changesSentMessage(settled, { ...delivered, result: "failed", reportedStatus: "Failed" })).toBe(false);
  });

  it("links a record it did not know", () => {
    const { deliveryReportId: _id, ...unlinked } = sent;
    expect(changesSentMessage(unlinked, { deliveryReportId: "CKey#k", reportedStatus: "Pending" })).toBe(true);
  });
});

describe("sentMessageOf", () => {
  const sent: SentMessage = {
    ckey: "order-7",
    requestedAt: "2026-01-01T00:00:00.000Z",
    requestId: "r",
    attempt: "a",
    sendOutcome: "accepted",
    status: "accepted",
    msgId: "m-7",
  };
  /** The sent messages by CKey, and the MsgId index over them; every look-up noted. */
  function lookupOf(records: SentMessage[]) {
    const calls: string[] = [];
    const lookup: SentMessageLookup = {
      findSent: async (ckey) => {
        calls.push(`findSent ${ckey}`);
        return records.find((record) => record.ckey === ckey);
      },
      findCKeyByMsgId: async (msgId) => {
        calls.push(`findCKeyByMsgId ${msgId}`);
        return records.find((record) => record.msgId === msgId)?.ckey;
      },
    };
    return { lookup, calls };
  }

  it("finds a message by the CKey its callbacks carry, with one read", async () => {
    const { lookup, calls } = lookupOf([sent]);
    expect(await sentMessageOf({ cKey: "order-7", msgId: "m-7" }, lookup)).toEqual(sent);
    expect(calls).toEqual(["findSent order-7"]);
  });

  it("with a CKey that names no message of this stack, reads no MsgId index: the MsgId is that CKey's message's", async () => {
    const { lookup, calls } = lookupOf([sent]);
    expect(await sentMessageOf({ cKey: "order-0", msgId: "m-7" }, lookup)).toBeUndefined();
    expect(calls).toEqual(["findSent order-0"]);
  });

  it("without a CKey, finds the message by its MsgId through the index", async () => {
    const { lookup, calls } = lookupOf([sent]);
    expect(await sentMessageOf({ msgId: "m-7" }, lookup)).toEqual(sent);
    expect(calls).toEqual(["findCKeyByMsgId m-7", "findSent order-7"]);
    const unknown = lookupOf([sent]);
    expect(await sentMessageOf({ msgId: "m-0" }, unknown.lookup)).toBeUndefined();
    expect(unknown.calls).toEqual(["findCKeyByMsgId m-0"]);
  });

  it("for a record that names its sent message already, reads that one alone, whatever the callback carries", async () => {
    const { lookup, calls } = lookupOf([sent]);
    expect(await sentMessageOf({ msgId: "m-7", sentCKey: "order-7" }, lookup)).toEqual(sent);
    expect(calls).toEqual(["findSent order-7"]);
  });
});
