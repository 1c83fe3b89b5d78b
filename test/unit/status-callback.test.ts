import { describe, expect, it } from "vitest";
import { parseEnvelope, serializeEnvelope } from "../../functions/domain/envelope.ts";
import type { ReceivedFields } from "../../functions/domain/received-fields.ts";
import {
  acceptStatusCallback,
  deliveryRecordIdOf,
  type StatusCallback,
} from "../../functions/domain/status-callback.ts";
import { resultCodes } from "../../functions/domain/tobetext-result.ts";

const received = (fields: Record<string, string>): ReceivedFields => ({
  fields,
  undecodable: {},
  charset: "utf-8",
  format: "form-urlencoded",
});

const fullCallback = {
  CKey: "order-42",
  MsgId: "41aa33709703dea382c10a057823ffdc",
  Status: "Success",
  SendNum: "821012341234",
  RecvNum: "01098765432",
  ErrorCode: "200",
  ErrorMsg: "Message successfully delivered",
};

/** Accepts, failing the test with the rejection when it is refused. */
function accept(input: ReceivedFields): StatusCallback {
  const acceptance = acceptStatusCallback(input);
  if (!acceptance.accepted) throw new Error(`unexpectedly rejected: ${acceptance.rejection.reason}`);
  return acceptance.value;
}

describe("acceptStatusCallback: naming the message", () => {
  it("accepts a callback naming its message by MsgId only", () => {
    const callback = accept(received({ MsgId: "m-1", ErrorCode: "200" }));
    expect(callback.msgId).toBe("m-1");
    expect(callback).not.toHaveProperty("cKey");
  });

  it("accepts a callback naming its message by CKey only", () => {
    const callback = accept(received({ CKey: "k-1", ErrorCode: "200" }));
    expect(callback.cKey).toBe("k-1");
    expect(callback).not.toHaveProperty("msgId");
  });

  it("keeps both MsgId and CKey when both are sent", () => {
    const callback = accept(received({ MsgId: "m-1", CKey: "k-1" }));
    expect(callback).toMatchObject({ msgId: "m-1", cKey: "k-1" });
  });

  it.each([
    ["neither field", {}],
    ["both empty", { MsgId: "", CKey: "" }],
    ["both whitespace", { MsgId: "   ", CKey: "\t \n" }],
    ["MsgId blank, CKey missing", { MsgId: " ", Status: "Success", ErrorCode: "200" }],
    ["only other fields", { Status: "Success", ErrorCode: "200", ErrorMsg: "ok", SendNum: "01012345678" }],
  ])("rejects a callback with %s, with ToBeText's bad-CKey code 2001", (_label, fields) => {
    const acceptance = acceptStatusCallback(received(fields));
    expect(acceptance.accepted).toBe(false);
    if (acceptance.accepted) return;
    expect(acceptance.rejection.errorCode).toBe(2001);
    expect(resultCodes.badCKey).toBe(2001);
    expect(acceptance.rejection.reason).not.toBe("");
  });

  it.each([
    ["MsgId", { MsgId: "m".repeat(257) }],
    ["CKey", { CKey: "k".repeat(257), MsgId: "m-1" }],
    ["CKey in Korean, 86 characters", { CKey: "키".repeat(86) }],
  ])("refuses a %s over 256 bytes, the bound on the record's keys, with 2001", (name, fields) => {
    const acceptance = acceptStatusCallback(received(fields));
    expect(acceptance).toEqual({
      accepted: false,
      rejection: { errorCode: 2001, reason: `${name.split(" ")[0]} is longer than 256 bytes` },
    });
  });

  it("accepts a MsgId and a CKey of exactly 256 bytes", () => {
    const callback = accept(received({ MsgId: "m".repeat(256), CKey: `${"키".repeat(85)}k` }));
    expect(callback.msgId).toHaveLength(256);
  });

  it("ignores a blank MsgId when CKey names the message", () => {
    const callback = accept(received({ MsgId: "  ", CKey: "k-1" }));
    expect(callback.cKey).toBe("k-1");
    expect(callback).not.toHaveProperty("msgId");
  });

  it.each([
    ["Ckey", { Ckey: "k-1" }, { cKey: "k-1" }],
    ["ckey", { ckey: "k-1" }, { cKey: "k-1" }],
    ["CKEY", { CKEY: "k-1" }, { cKey: "k-1" }],
    ["msgid", { msgid: "m-1" }, { msgId: "m-1" }],
    ["MSGID", { MSGID: "m-1" }, { msgId: "m-1" }],
  ])("matches the field name %s ignoring case", (_name, fields, expected) => {
    expect(accept(received(fields))).toMatchObject(expected);
  });

  it("reads every field ignoring case", () => {
    const callback = accept(
      received({
        msgid: "m-1",
        ckey: "k-1",
        status: "Failed",
        errorcode: "412",
        errormsg: "other",
        sendnum: "01012345678",
        RECVNUM: "01098765432",
      }),
    );
    expect(callback).toMatchObject({
      msgId: "m-1",
      cKey: "k-1",
      status: "Failed",
      errorCode: "412",
      errorMsg: "other",
      outcome: "failed",
      sendNum: { asSent: "01012345678", e164: "+821012345678" },
      recvNum: { asSent: "01098765432", e164: "+821098765432" },
    });
  });
});

describe("acceptStatusCallback: error codes", () => {
  it.each([
    ["200", "Success: delivered", "delivered"],
    ["400", "Failed", "failed"],
    ["411", "Failed: ToBeText internal error", "failed"],
    ["412", "Failed: other", "failed"],
  ])("reads ErrorCode %s as %s (%s)", (errorCode, errorMeaning, outcome) => {
    const callback = accept(received({ MsgId: "m-1", ErrorCode: errorCode }));
    expect(callback).toMatchObject({ errorCode, errorMeaning, outcome });
  });

  it("reads a code with surrounding whitespace as the code", () => {
    expect(accept(received({ MsgId: "m-1", ErrorCode: " 400 " }))).toMatchObject({
      errorCode: "400",
      outcome: "failed",
    });
  });

  it.each([
    ["an unlisted code", { ErrorCode: "999" }, "999"],
    ["a sending result code", { ErrorCode: "2001" }, "2001"],
    ["an empty code", { ErrorCode: "" }, ""],
    ["a blank code", { ErrorCode: "  " }, ""],
    ["no code at all", {}, ""],
    ["a non-numeric code", { ErrorCode: "OK" }, "OK"],
  ])("accepts %s as an unknown result, not refused", (_label, codeField, errorCode) => {
    const acceptance = acceptStatusCallback(received({ MsgId: "m-1", Status: "?", ...codeField }));
    expect(acceptance.accepted).toBe(true);
    if (!acceptance.accepted) return;
    expect(acceptance.value).toMatchObject({
      errorCode,
      errorMeaning: "Unknown error code",
      outcome: "unknown",
    });
  });

  // statusCodes is a plain object: a lookup by an ErrorCode such as "constructor" finds
  // Object.prototype's members, not a listed code.
  it.each(["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf"])(
    "reads ErrorCode %s, an inherited object key, as an unknown code",
    (errorCode) => {
      const callback = accept(received({ MsgId: "m-1", ErrorCode: errorCode }));
      expect(callback).toMatchObject({ errorCode, errorMeaning: "Unknown error code", outcome: "unknown" });
      // What the receive handler queues must still be a valid envelope for the processor.
      const envelope = {
        kind: "status-callback",
        version: 2,
        arrival: { arrivalId: "d-1", receivedAt: "2026-01-01T00:00:00.000Z", callback },
      } as const;
      expect(parseEnvelope(serializeEnvelope(envelope))).toEqual(envelope);
    },
  );

  it("defaults Status and ErrorMsg to empty strings when absent", () => {
    const callback = accept(received({ CKey: "k-1" }));
    expect(callback).toMatchObject({ status: "", errorMsg: "", errorCode: "" });
  });
});

describe("acceptStatusCallback: numbers and fields", () => {
  it("keeps valid numbers as sent, with their E.164 form", () => {
    const callback = accept(received({ MsgId: "m-1", SendNum: "010-1234-5678", RecvNum: "+821098765432" }));
    expect(callback.sendNum).toEqual({ asSent: "010-1234-5678", e164: "+821012345678" });
    expect(callback.recvNum).toEqual({ asSent: "+821098765432", e164: "+821098765432" });
  });

  it.each([
    ["letters", "not-a-number"],
    ["too few digits", "0101"],
    ["a short code", "1588"],
  ])("keeps an invalid number (%s) as sent, without an E.164 form", (_label, number) => {
    const callback = accept(received({ MsgId: "m-1", SendNum: number, RecvNum: number }));
    expect(callback.sendNum).toEqual({ asSent: number });
    expect(callback.recvNum).toEqual({ asSent: number });
  });

  it("keeps a number exactly as sent, surrounding whitespace included", () => {
    // As inbound SMS numbers and parsePhoneNumber do: asSent is the value received, untouched.
    const callback = accept(received({ MsgId: "m-1", SendNum: " 010-1234-5678 " }));
    expect(callback.sendNum).toEqual({ asSent: " 010-1234-5678 ", e164: "+821012345678" });
  });

  it("has no number when none was sent", () => {
    const callback = accept(received({ MsgId: "m-1" }));
    expect(callback).not.toHaveProperty("sendNum");
    expect(callback).not.toHaveProperty("recvNum");
  });

  it("keeps every field received, unknown ones included, with the request's decoding details", () => {
    const input: ReceivedFields = {
      fields: { ...fullCallback, Extra: "값", "x-timestamp": "20260101120000" },
      undecodable: { Garbled: Buffer.from([0xff, 0xfe]).toString("base64") },
      charset: "euc-kr",
      format: "multipart",
    };
    const callback = accept(input);
    expect(callback.fields).toEqual(input.fields);
    expect(callback.undecodable).toEqual(input.undecodable);
    expect(callback.charset).toBe("euc-kr");
    expect(callback.format).toBe("multipart");
  });

  it("reads the provider's documented sample in full", () => {
    expect(accept(received(fullCallback))).toEqual({
      ...received(fullCallback),
      msgId: "41aa33709703dea382c10a057823ffdc",
      cKey: "order-42",
      status: "Success",
      errorCode: "200",
      errorMeaning: "Success: delivered",
      outcome: "delivered",
      errorMsg: "Message successfully delivered",
      sendNum: { asSent: "821012341234", e164: "+821012341234" },
      recvNum: { asSent: "01098765432", e164: "+821098765432" },
    });
  });
});

describe("deliveryRecordIdOf", () => {
  it.each([
    ["MsgId and CKey", { msgId: "m-1", cKey: "k-1" }, "MsgId#m-1"],
    ["MsgId only", { msgId: "m-1" }, "MsgId#m-1"],
    ["CKey only", { cKey: "k-1" }, "CKey#k-1"],
  ])("keys a callback with %s", (_label, callback, recordId) => {
    expect(deliveryRecordIdOf(callback)).toBe(recordId);
  });

  it("keys accepted callbacks by MsgId, else by CKey", () => {
    expect(deliveryRecordIdOf(accept(received({ Ckey: "k-1", msgid: "m-1" })))).toBe("MsgId#m-1");
    expect(deliveryRecordIdOf(accept(received({ Ckey: "k-1", MsgId: " " })))).toBe("CKey#k-1");
  });
});
