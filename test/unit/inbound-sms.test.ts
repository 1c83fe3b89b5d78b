import { describe, expect, it } from "vitest";
import {
  acceptInboundSms,
  fingerprintOf,
  type InboundRules,
  type InboundSms,
} from "../../functions/domain/inbound-sms.ts";
import type { ReceivedFields } from "../../functions/domain/received-fields.ts";

const rules: InboundRules = { prefixes: ["TOBE", "TOBETEXT"], receivingNumbers: new Set() };

function inbound(fields: Record<string, string>, undecodable: Record<string, string> = {}): ReceivedFields {
  return { fields, undecodable, charset: "utf-8", format: "form-urlencoded" };
}

const validFields = { SendNum: "010-1234-5678", RecvNum: "821098765432", Body: "TOBE 안녕하세요" };

function acceptedSms(input: ReceivedFields, withRules: InboundRules = rules): InboundSms {
  const acceptance = acceptInboundSms(input, withRules);
  if (!acceptance.accepted) throw new Error(`expected acceptance, got ${JSON.stringify(acceptance.rejection)}`);
  return acceptance.value;
}

describe("acceptInboundSms: accepted", () => {
  it("gives the sender and recipient with their E.164 forms, the split body and no flags", () => {
    const input = inbound(validFields);
    expect(acceptInboundSms(input, rules)).toEqual({
      accepted: true,
      value: {
        fields: validFields,
        undecodable: {},
        charset: "utf-8",
        format: "form-urlencoded",
        sender: { asSent: "010-1234-5678", e164: "+821012345678" },
        recipient: { asSent: "821098765432", e164: "+821098765432" },
        prefix: "TOBE",
        text: "안녕하세요",
        flags: [],
      },
    });
  });

  it("keeps every field received, including ones it does not use", () => {
    const fields = { ...validFields, Ckey: "abc-1", Cid: "customer", token: "t0k3n", callback: "http://x/recv" };
    const input: ReceivedFields = {
      fields,
      undecodable: { Extra: "gA==" },
      charset: "euc-kr",
      format: "multipart",
    };
    const sms = acceptedSms(input);
    expect(sms.fields).toEqual(fields);
    expect(sms.undecodable).toEqual({ Extra: "gA==" });
    expect(sms.charset).toBe("euc-kr");
    expect(sms.format).toBe("multipart");
  });

  it("matches field names ignoring case", () => {
    const fields = { sendnum: "01012345678", RECVNUM: "01098765432", body: "tobetext hi" };
    const sms = acceptedSms(inbound(fields));
    expect(sms.sender.e164).toBe("+821012345678");
    expect(sms.recipient.e164).toBe("+821098765432");
    expect(sms).toMatchObject({ prefix: "TOBETEXT", text: "hi" });
    expect(sms.fields).toEqual(fields);
  });

  it("flags UNKNOWN_PREFIX and keeps the whole body as text when no prefix matches", () => {
    const sms = acceptedSms(inbound({ ...validFields, Body: "HELLO there" }));
    expect(sms).toMatchObject({ prefix: "", text: "HELLO there", flags: ["UNKNOWN_PREFIX"] });
  });

  it("flags UNDECODABLE_BYTES when some field's bytes could not be decoded", () => {
    const sms = acceptedSms(inbound(validFields, { Body: "wMc=" }));
    expect(sms.flags).toEqual(["UNDECODABLE_BYTES"]);
  });

  it("raises both flags together", () => {
    const sms = acceptedSms(inbound({ ...validFields, Body: "no prefix" }, { Note: "/w==" }));
    expect(sms.flags).toEqual(["UNKNOWN_PREFIX", "UNDECODABLE_BYTES"]);
  });

  it("accepts a recipient that is one of the receiving numbers, however it is written", () => {
    const withNumbers: InboundRules = { ...rules, receivingNumbers: new Set(["+821098765432"]) };
    const sms = acceptedSms(inbound({ ...validFields, RecvNum: "010-9876-5432" }), withNumbers);
    expect(sms.recipient).toEqual({ asSent: "010-9876-5432", e164: "+821098765432" });
  });
});

describe("acceptInboundSms: rejected", () => {
  const { SendNum: _s, ...withoutSendNum } = validFields;
  const { RecvNum: _r, ...withoutRecvNum } = validFields;
  const { Body: _b, ...withoutBody } = validFields;

  it.each([
    ["SendNum missing", withoutSendNum, 2004, "SendNum is missing"],
    ["SendNum empty", { ...validFields, SendNum: "" }, 2004, "SendNum is empty"],
    ["SendNum blank", { ...validFields, SendNum: "  " }, 2004, "SendNum is empty"],
    ["SendNum invalid", { ...validFields, SendNum: "abc" }, 2004, "SendNum is not a valid phone number"],
    ["RecvNum missing", withoutRecvNum, 2004, "RecvNum is missing"],
    ["RecvNum empty", { ...validFields, RecvNum: "" }, 2004, "RecvNum is empty"],
    ["RecvNum invalid", { ...validFields, RecvNum: "12345" }, 2004, "RecvNum is not a valid phone number"],
    ["Body missing", withoutBody, 2005, "Body is missing"],
    ["Body empty", { ...validFields, Body: "" }, 2005, "Body is empty"],
    ["Body whitespace only", { ...validFields, Body: " \t\r\n " }, 2005, "Body is empty"],
  ])("%s → %i", (_label, fields: Record<string, string>, errorCode, reason) => {
    expect(acceptInboundSms(inbound(fields), rules)).toEqual({ accepted: false, rejection: { errorCode, reason } });
  });

  it("rejects a RecvNum that is not one of the receiving numbers with 2004", () => {
    const withNumbers: InboundRules = { ...rules, receivingNumbers: new Set(["+821011112222"]) };
    expect(acceptInboundSms(inbound(validFields), withNumbers)).toEqual({
      accepted: false,
      rejection: { errorCode: 2004, reason: "RecvNum is not one of this receiver's numbers" },
    });
  });

  it("reports the sender before the body when both are bad", () => {
    const acceptance = acceptInboundSms(inbound({ ...validFields, SendNum: "x", Body: "" }), rules);
    expect(acceptance).toMatchObject({ accepted: false, rejection: { errorCode: 2004 } });
  });
});

describe("fingerprintOf", () => {
  const sms = (sendNum: string, recvNum: string, body: string) =>
    acceptedSms(inbound({ SendNum: sendNum, RecvNum: recvNum, Body: body }));

  it("is a SHA-256 hex digest", () => {
    expect(fingerprintOf(sms("01012345678", "01098765432", "TOBE hi"))).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is the same for the same numbers written differently", () => {
    const a = sms("010-1234-5678", "01098765432", "TOBE hi");
    const b = sms("+821012345678", "82-10-9876-5432", "TOBE hi");
    expect(fingerprintOf(a)).toBe(fingerprintOf(b));
  });

  it.each([
    ["the body", sms("01012345678", "01098765432", "TOBE hi!")],
    ["the body's case", sms("01012345678", "01098765432", "tobe hi")],
    ["the sender", sms("01012345679", "01098765432", "TOBE hi")],
    ["the recipient", sms("01012345678", "01098765433", "TOBE hi")],
  ])("differs when %s differs", (_label, other) => {
    expect(fingerprintOf(other)).not.toBe(fingerprintOf(sms("01012345678", "01098765432", "TOBE hi")));
  });
});
