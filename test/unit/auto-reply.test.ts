import { describe, expect, it } from "vitest";
import { readAutoReplySettings } from "../../functions/config/auto-replies.ts";
import { SettingError } from "../../functions/config/settings.ts";
import { readUserSettings } from "../../functions/config/user-settings.ts";
import {
  type AutoReplySettings,
  autoReplyFor,
  comparableDigits,
  isKoreanMobile,
  type RepliedSms,
} from "../../functions/domain/auto-reply.ts";

describe("isKoreanMobile", () => {
  it.each([
    ["+821012345678", true],
    ["+82111234567", true],
    ["+821612345678", true],
    ["+82171234567", true],
    ["+821812345678", true],
    ["+82191234567", true],
    // 010 always has 8 digits after it.
    ["+82101234567", false],
    ["+82212345678", false], // Seoul landline
    ["+82315551234", false], // Gyeonggi landline
    ["+8215881234", false], // representative number
    ["+827012345678", false], // internet phone
    ["+821212345678", false],
    ["+15555550100", false],
    ["01012345678", false], // not E.164
  ])("%s: %s", (number, expected) => {
    expect(isKoreanMobile(number)).toBe(expected);
  });
});

describe("comparableDigits", () => {
  it.each([
    ["+821012345678", "1012345678"],
    ["010-1234-5678", "1012345678"],
    ["821012345678", "1012345678"],
    ["0082 10 1234 5678", "1012345678"],
    ["+82 2 1234 5678", "212345678"],
    ["02-1234-5678", "212345678"],
    ["1588-1234", "15881234"],
    ["+8215881234", "15881234"],
    ["+1 555 555 0100", "+15555550100"],
  ])("%s: %s", (number, expected) => {
    expect(comparableDigits(number)).toBe(expected);
  });
});

const settings: AutoReplySettings = {
  replies: new Map([
    ["PIZZA", "주문이 접수되었습니다"],
    ["STOP", "수신거부 완료"],
  ]),
  ownNumbers: ["02-1234-5678", "010-9999-0000"],
};
const sms = (overrides: Partial<RepliedSms> = {}): RepliedSms => ({
  messageId: "0123456789abcdef0123456789abcdef",
  sender: "+821012345678",
  recipient: "+82212345678",
  prefix: "PIZZA",
  text: "하나 주세요",
  body: "PIZZA 하나 주세요",
  ...overrides,
});

describe("autoReplyFor", () => {
  it("replies from the number written to, under the CKey reply-<messageId>", () => {
    expect(autoReplyFor(sms(), settings)).toEqual({
      kind: "reply",
      request: {
        to: "+821012345678",
        text: "주문이 접수되었습니다",
        from: "+82212345678",
        ckey: "reply-0123456789abcdef0123456789abcdef",
      },
    });
  });

  it("gives none for a prefix without a reply, or no prefix", () => {
    expect(autoReplyFor(sms({ prefix: "OTHER" }), settings)).toEqual({ kind: "none" });
    expect(autoReplyFor(sms({ prefix: "" }), settings)).toEqual({ kind: "none" });
  });

  it.each([
    ["a landline", { sender: "+82311234567" }, "not-a-mobile"],
    ["a foreign number", { sender: "+15555550100" }, "not-a-mobile"],
    ["one of the account's numbers", { sender: "+821099990000" }, "own-number"],
    ["the number it was sent to", { sender: "+821077778888", recipient: "+821077778888" }, "own-number"],
    ["one of the reply texts (another responder echoing ours)", { text: "수신거부 완료" }, "is-a-reply"],
    ["a reply text as the whole Body", { body: " 주문이 접수되었습니다 ", text: "접수되었습니다" }, "is-a-reply"],
  ] as const)("skips %s", (_what, overrides, reason) => {
    expect(autoReplyFor(sms(overrides), settings)).toEqual({ kind: "skip", reason });
  });
});

describe("TOBETEXT_AUTO_REPLIES", () => {
  const env = (value: string) => ({ TOBETEXT_PREFIXES: "PIZZA, Tobe", TOBETEXT_AUTO_REPLIES: value });

  it("reads prefix to text, the prefix as configured, and the account's numbers", () => {
    const read = readAutoReplySettings({
      ...env('{"pizza":"주문이 접수되었습니다","TOBE":"Thanks"}'),
      TOBETEXT_NUMBERS: "02-1234-5678",
      TOBETEXT_SENDER: "02-1234-5678",
    });
    expect([...read.replies]).toEqual([
      ["PIZZA", "주문이 접수되었습니다"],
      ["Tobe", "Thanks"],
    ]);
    expect(read.ownNumbers).toEqual(["02-1234-5678", "02-1234-5678"]);
    expect(readAutoReplySettings({}).replies.size).toBe(0);
  });

  it.each([
    ["not JSON", "{PIZZA: yes}", /must be a JSON object from prefix to reply text/],
    ["an array", '["PIZZA"]', /must be a JSON object/],
    ["a prefix not configured", '{"BURGER":"ok"}', /"BURGER" is not one of TOBETEXT_PREFIXES \(PIZZA, Tobe\)/],
    ["the empty prefix", '{"":"hello"}', /"" is not one of TOBETEXT_PREFIXES/],
    ["a text that is not a string", '{"PIZZA":1}', /the reply to "PIZZA" must be a string/],
    ["an empty text", '{"PIZZA":""}', /the reply to "PIZZA": Body is empty/],
    ["a text over ToBeText's Body rule", `{"PIZZA":"${"가".repeat(81)}"}`, /Body has 81 characters/],
    ["a prefix given twice", '{"PIZZA":"a","pizza":"b"}', /prefix PIZZA is given twice/],
  ])("refuses %s, naming the setting, at cold start and at synth", (_what, value, message) => {
    expect(() => readAutoReplySettings(env(value))).toThrow(SettingError);
    expect(() => readAutoReplySettings(env(value))).toThrow(/TOBETEXT_AUTO_REPLIES/);
    expect(() => readUserSettings(env(value))).toThrow(message);
  });
});
