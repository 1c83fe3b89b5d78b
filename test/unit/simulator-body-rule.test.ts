/** ToBeText's send rules as the simulator applies them (the Body rule is the sender's too). */
import { describe, expect, it } from "vitest";
import { bodyProblem } from "../../functions/domain/send-body.ts";
import { callbackResult, checkSendRequest, redactedUrl } from "../../infra/simulator/send-request.ts";

describe("bodyProblem", () => {
  it.each([
    ["160 ASCII characters", "a".repeat(160)],
    ["ASCII control characters, which are ASCII", `${"a".repeat(158)}\r\n`],
    ["80 Korean characters", "가".repeat(80)],
    ["80 emoji, each one code point though two UTF-16 units", "😀".repeat(80)],
    ["one character", "x"],
  ])("takes %s", (_label, text) => {
    expect(bodyProblem(text)).toBeUndefined();
  });

  it.each([
    ["an empty Body", "", "Body is empty"],
    ["161 ASCII characters", "a".repeat(161), "Body has 161 characters; ToBeText takes at most 160 when all are ASCII"],
    [
      "81 Korean characters",
      "가".repeat(81),
      "Body has 81 characters; ToBeText takes at most 80 when any is not ASCII",
    ],
    [
      "80 ASCII characters and one accented letter",
      `${"a".repeat(80)}é`,
      "Body has 81 characters; ToBeText takes at most 80 when any is not ASCII",
    ],
    ["81 emoji", "😀".repeat(81), "Body has 81 characters; ToBeText takes at most 80 when any is not ASCII"],
  ])("refuses %s", (_label, text, problem) => {
    expect(bodyProblem(text)).toBe(problem);
  });
});

describe("checkSendRequest", () => {
  const credentials = { cid: "cid-1", token: "token-1" };
  const valid = {
    Ckey: "order-1",
    RecvNum: "+821012341234",
    SendNum: "010-1234-5678",
    Body: "hello",
    Cid: "cid-1",
    token: "token-1",
  };

  it("accepts a valid request", () => {
    expect(checkSendRequest(valid, credentials)).toEqual({ errorCode: 200, errorMsg: "Message successfully sent" });
  });

  it.each([
    ["a wrong token before anything else", { ...valid, token: "nope", Ckey: "", Body: "" }, 2002],
    ["no Cid", { ...valid, Cid: undefined }, 2002],
    ["no Ckey before a bad number", { ...valid, Ckey: "", SendNum: "x" }, 2001],
    ["a SendNum too short", { ...valid, SendNum: "0101234" }, 2004],
    ["a SendNum with letters", { ...valid, SendNum: "010-ABCD-5678" }, 2004],
    ["a RecvNum without its +", { ...valid, RecvNum: "821012341234" }, 2004],
    ["a RecvNum in national form", { ...valid, RecvNum: "010-1234-1234" }, 2004],
    ["a bad RecvNum before a bad Body", { ...valid, RecvNum: "", Body: "" }, 2004],
    ["no Body", { ...valid, Body: undefined }, 2005],
  ])("refuses %s", (_label, fields, errorCode) => {
    const present = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
    expect(checkSendRequest(present as Record<string, string>, credentials).errorCode).toBe(errorCode);
  });

  it.each(["+821012341234", "821012341234", "01012345678", "010-1234-5678"])("takes SendNum %s", (SendNum) => {
    expect(checkSendRequest({ ...valid, SendNum }, credentials).errorCode).toBe(200);
  });
});

describe("the simulator's callbacks and URLs", () => {
  it.each([
    ["200", "Success", "Message delivered"],
    ["400", "Failed", "Failed"],
    ["411", "Failed", "internal error"],
    ["412", "Failed", "other"],
    ["999", "Failed", "error 999"],
  ])("says %s is %s, %s", (code, Status, ErrorMsg) => {
    expect(callbackResult(code)).toEqual({ Status, ErrorMsg });
  });

  it.each([
    ["http://127.0.0.1:3000/status-callback/s3cret", "http://127.0.0.1:3000/status-callback/***"],
    ["http://yourdomain.com/recv/s3cret/", "http://yourdomain.com/recv/***/"],
    ["http://user:pw@host/a/s3cret?token=s3cret", "http://host/a/***"],
    ["not a URL s3cret", "***"],
  ])("hides the secret of %s", (url, redacted) => {
    expect(redactedUrl(url)).toBe(redacted);
  });
});
