import { describe, expect, it } from "vitest";
import {
  type CallbackArrival,
  type Envelope,
  type InboundArrival,
  MalformedEnvelopeError,
  parseEnvelope,
  type RejectedRequest,
  serializeEnvelope,
} from "../../functions/domain/envelope.ts";
import { firstVersionBodies, firstVersionPathSecret, inboundSms } from "../support/envelopes.ts";

const arrival: InboundArrival = {
  arrivalId: "0123456789abcdef0123456789abcdef",
  receivedAt: "2025-03-01T10:00:00.000Z",
  sms: inboundSms({ sender: "010-1234-5678", recipient: "821098765432", prefix: "TOBE", text: "안녕 😀" }),
};

const rejected: RejectedRequest = {
  rejectionId: "fedcba9876543210fedcba9876543210",
  route: "inboundSms",
  receivedAt: "2025-03-01T10:00:00.000Z",
  httpStatus: 400,
  errorCode: 2004,
  reason: "SendNum is missing",
  request: {
    method: "POST",
    routeKey: "ANY /mo/{secret}",
    rawQueryString: "",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    sourceIp: "203.0.113.7",
    bodyBase64: Buffer.from("Body=hi").toString("base64"),
    bodyBytes: 7,
    bodyTruncated: false,
  },
  fields: { Body: "hi" },
};

const callbackArrival: CallbackArrival = {
  arrivalId: "00112233445566778899aabbccddeeff",
  receivedAt: "2025-03-01T10:05:00.000Z",
  callback: {
    fields: { CKey: "k-1", Status: "Failed", ErrorCode: "999", RecvNum: "010-9876-5432" },
    undecodable: {},
    charset: "ascii",
    format: "form-urlencoded",
    cKey: "k-1",
    status: "Failed",
    errorCode: "999",
    errorMeaning: "Unknown error code",
    outcome: "unknown",
    errorMsg: "",
    recvNum: { asSent: "010-9876-5432", e164: "+821098765432" },
  },
};

const inboundEnvelope: Envelope = { kind: "inbound-sms", version: 2, arrival };
const callbackEnvelope: Envelope = { kind: "status-callback", version: 2, arrival: callbackArrival };
const rejectedEnvelope: Envelope = { kind: "rejected-request", version: 2, rejected };

/** Any code point above U+FFFF, written as itself. */
const astral = /[\u{10000}-\u{10FFFF}]/u;

function withText(text: string): Envelope {
  const sms = { ...arrival.sms, fields: { ...arrival.sms.fields, Body: text }, text };
  return { kind: "inbound-sms", version: 2, arrival: { ...arrival, sms } };
}

describe("serializeEnvelope", () => {
  it.each([
    ["one emoji", "😀"],
    ["emoji among Korean", "안녕 👋🏽 하세요 🇰🇷"],
    ["the first astral code point", "\u{10000}"],
    ["the last astral code point", "\u{10FFFF}"],
    ["a musical symbol", "𝄞"],
  ])("escapes %s as surrogate pairs and JSON.parse gives it back", (_label, text) => {
    const json = serializeEnvelope(withText(text));
    expect(json).not.toMatch(astral);
    const parsed = JSON.parse(json) as Envelope;
    expect(parsed).toEqual(withText(text));
  });

  it.each([
    ["U+FFFE", "\uFFFE"],
    ["U+FFFF", "\uFFFF"],
    ["both among Korean", "가\uFFFE나\uFFFF다"],
  ])("escapes %s, which SQS refuses, and JSON.parse gives it back", (_label, text) => {
    const json = serializeEnvelope(withText(text));
    expect(json).toMatch(/^[\t\n\r\x20-\uD7FF\uE000-\uFFFD]*$/u);
    expect(JSON.parse(json)).toEqual(withText(text));
  });

  it("writes 😀 as \\ud83d\\ude00", () => {
    expect(serializeEnvelope(withText("😀"))).toContain(String.raw`"text":"\ud83d\ude00"`);
  });

  it("leaves Korean and other BMP text as it is", () => {
    const json = serializeEnvelope(withText("안녕하세요 é ©"));
    expect(json).toContain('"text":"안녕하세요 é ©"');
    expect(json).toBe(JSON.stringify(withText("안녕하세요 é ©")));
  });

  it("escapes astral characters in field names and values alike", () => {
    const envelope: Envelope = {
      kind: "inbound-sms",
      version: 2,
      arrival: { ...arrival, sms: { ...arrival.sms, fields: { "😀key": "value 🎉" } } },
    };
    const json = serializeEnvelope(envelope);
    expect(json).not.toMatch(astral);
    expect(JSON.parse(json)).toEqual(envelope);
  });
});

describe("parseEnvelope", () => {
  it.each([
    ["inbound-sms", inboundEnvelope],
    ["status-callback", callbackEnvelope],
    ["rejected-request", rejectedEnvelope],
  ])("round-trips a valid %s envelope", (_kind, envelope) => {
    expect(parseEnvelope(serializeEnvelope(envelope))).toEqual(envelope);
  });

  it("carries API Gateway's request id for the processor's log line, and reads envelopes queued without one", () => {
    if (inboundEnvelope.kind !== "inbound-sms") throw new Error("an inbound envelope");
    const withId: Envelope = {
      ...inboundEnvelope,
      arrival: { ...inboundEnvelope.arrival, apiRequestId: "Ab1Cd2Ef3Gh=" },
    };
    expect(parseEnvelope(serializeEnvelope(withId))).toEqual(withId);
    const { apiRequestId: _none, ...arrival } = withId.arrival;
    expect(parseEnvelope(serializeEnvelope({ ...withId, arrival }))).not.toHaveProperty("arrival.apiRequestId");
  });

  it("round-trips a rejected request without fields", () => {
    const { fields: _fields, ...withoutFields } = rejected;
    const envelope: Envelope = { kind: "rejected-request", version: 2, rejected: withoutFields };
    expect(parseEnvelope(serializeEnvelope(envelope))).toEqual(envelope);
  });

  const inboundWith = (change: (copy: Record<string, unknown>) => void): string => {
    const copy = structuredClone(inboundEnvelope) as unknown as Record<string, unknown>;
    change(copy);
    return JSON.stringify(copy);
  };
  const arrivalOf = (copy: Record<string, unknown>) => copy.arrival as Record<string, unknown>;
  const smsOf = (copy: Record<string, unknown>) => arrivalOf(copy).sms as Record<string, unknown>;
  const callbackWith = (change: (callback: Record<string, unknown>) => void): string => {
    const copy = structuredClone(callbackEnvelope) as unknown as Record<string, unknown>;
    change(arrivalOf(copy).callback as Record<string, unknown>);
    return JSON.stringify(copy);
  };
  const firstVersionWith = (change: (copy: Record<string, unknown>) => void): string => {
    const copy = JSON.parse(firstVersionBodies.inboundSms) as Record<string, unknown>;
    change(copy);
    return JSON.stringify(copy);
  };

  it.each([
    ["non-JSON", "not json {"],
    ["empty body", ""],
    ["a JSON array", "[]"],
    ["a JSON string", '"inbound-sms"'],
    ["JSON null", "null"],
    ["no version", inboundWith((copy) => delete copy.version)],
    ["an unknown version", inboundWith((copy) => (copy.version = 3))],
    ["version as a string", inboundWith((copy) => (copy.version = "2"))],
    ["unknown kind", inboundWith((copy) => (copy.kind = "delivery-receipt"))],
    ["a kind that does not match its content", inboundWith((copy) => (copy.kind = "status-callback"))],
    ["no kind", inboundWith((copy) => delete copy.kind)],
    ["inbound-sms without arrival", inboundWith((copy) => delete copy.arrival)],
    ["inbound-sms carrying a rejected request", JSON.stringify({ kind: "inbound-sms", version: 2, rejected })],
    ["no arrivalId", inboundWith((copy) => delete arrivalOf(copy).arrivalId)],
    ["no sms", inboundWith((copy) => delete arrivalOf(copy).sms)],
    ["no sender", inboundWith((copy) => delete smsOf(copy).sender)],
    ["recipient without e164", inboundWith((copy) => delete (smsOf(copy).recipient as Record<string, unknown>).e164)],
    ["no text", inboundWith((copy) => delete smsOf(copy).text)],
    ["no fields", inboundWith((copy) => delete smsOf(copy).fields)],
    ["no undecodable", inboundWith((copy) => delete smsOf(copy).undecodable)],
    ["flags not an array", inboundWith((copy) => (smsOf(copy).flags = "UNKNOWN_PREFIX"))],
    ["an unknown flag", inboundWith((copy) => (smsOf(copy).flags = ["SPAM"]))],
    ["invalid receivedAt", inboundWith((copy) => (arrivalOf(copy).receivedAt = "yesterday"))],
    ["receivedAt not a string", inboundWith((copy) => (arrivalOf(copy).receivedAt = 0))],
    ["a status callback naming no message", callbackWith((callback) => delete callback.cKey)],
    ["a status callback with an unknown outcome", callbackWith((callback) => (callback.outcome = "maybe"))],
    ["a version 2 envelope with a version 1 delivery", firstVersionWith((copy) => (copy.version = 2))],
    ["a version 1 envelope with a version 2 arrival", inboundWith((copy) => (copy.version = 1))],
    [
      "a version 1 inbound SMS without its deliveryId",
      firstVersionWith((copy) => delete (copy.delivery as Record<string, unknown>).deliveryId),
    ],
    ["rejected-request without rejected", JSON.stringify({ kind: "rejected-request", version: 2 })],
    [
      "rejected-request without request",
      JSON.stringify({ kind: "rejected-request", version: 2, rejected: { ...rejected, request: undefined } }),
    ],
    [
      "rejected-request with a string httpStatus",
      JSON.stringify({ kind: "rejected-request", version: 2, rejected: { ...rejected, httpStatus: "400" } }),
    ],
    [
      "rejected-request without reason",
      JSON.stringify({ kind: "rejected-request", version: 2, rejected: { ...rejected, reason: undefined } }),
    ],
  ])("throws MalformedEnvelopeError for %s", (_label, body) => {
    expect(() => parseEnvelope(body)).toThrow(MalformedEnvelopeError);
  });
});

describe("parseEnvelope: an envelope written by the previous version", () => {
  // Receivers and processors of two versions overlap during a deploy, and a dead letter may be
  // redriven days later: version 1 bodies, exactly as queued, still read as the current shape.
  it("reads a version 1 inbound SMS: deliveryId becomes arrivalId, Body stays in fields.Body only", () => {
    expect(parseEnvelope(firstVersionBodies.inboundSms)).toEqual({
      kind: "inbound-sms",
      version: 2,
      arrival: {
        arrivalId: "0123456789abcdef0123456789abcdef",
        receivedAt: "2026-01-01T09:00:00.000Z",
        sms: inboundSms({ sender: "010-1234-5678", recipient: "821098765432", prefix: "TOBE", text: "안녕하세요" }),
      },
    });
  });

  it("reads a version 1 inbound SMS queued without body, its flags and undecodable bytes kept", () => {
    const envelope = parseEnvelope(firstVersionBodies.inboundSmsWithoutBody);
    expect(envelope).toMatchObject({
      kind: "inbound-sms",
      version: 2,
      arrival: {
        arrivalId: "11111111111111111111111111111111",
        sms: {
          undecodable: { Memo: "/w==" },
          charset: "euc-kr",
          format: "multipart",
          prefix: "",
          flags: ["UNKNOWN_PREFIX", "UNDECODABLE_BYTES"],
        },
      },
    });
    expect(envelope).not.toHaveProperty("delivery");
  });

  it("reads a version 1 status callback: deliveryId becomes arrivalId", () => {
    expect(parseEnvelope(firstVersionBodies.statusCallback)).toEqual({
      kind: "status-callback",
      version: 2,
      arrival: {
        arrivalId: "fedcba9876543210fedcba9876543210",
        receivedAt: "2026-01-01T09:05:00.000Z",
        callback: {
          fields: { MsgId: "m-1", Status: "Success", ErrorCode: "200", ErrorMsg: "ok", RecvNum: "010-9876-5432" },
          undecodable: {},
          format: "form-urlencoded",
          charset: "ascii",
          msgId: "m-1",
          status: "Success",
          errorCode: "200",
          errorMeaning: "Success: delivered",
          outcome: "delivered",
          errorMsg: "ok",
          recvNum: { asSent: "010-9876-5432", e164: "+821098765432" },
        },
      },
    });
  });

  it("reads a version 1 rejected request that carried the path: the path, and the URL secret in it, dropped", () => {
    const envelope = parseEnvelope(firstVersionBodies.rejectedRequestWithPath);
    expect(envelope).toEqual({
      kind: "rejected-request",
      version: 2,
      rejected: {
        rejectionId: "00000000000000000000000000000001",
        route: "inboundSms",
        receivedAt: "2026-01-01T09:10:00.000Z",
        httpStatus: 405,
        errorCode: 405,
        reason: "Method GET is not allowed; ToBeText posts",
        request: {
          method: "GET",
          routeKey: "",
          rawQueryString: "",
          headers: { "user-agent": "curl/8.0" },
          sourceIp: "203.0.113.7",
          bodyBase64: "",
          bodyBytes: 0,
          bodyTruncated: false,
        },
      },
    });
    expect(JSON.stringify(envelope)).not.toContain(firstVersionPathSecret);
  });

  it("reads a version 1 rejected request that carried the route template", () => {
    expect(parseEnvelope(firstVersionBodies.rejectedRequestWithRouteKey)).toMatchObject({
      kind: "rejected-request",
      version: 2,
      rejected: {
        rejectionId: "00000000000000000000000000000002",
        errorCode: 2001,
        request: { routeKey: "ANY /status-callback/{secret}", bodyBytes: 14 },
        fields: { Status: "Success" },
      },
    });
  });

  it.each(Object.entries(firstVersionBodies))(
    "writes %s back as a version 2 envelope that reads the same",
    (_name, body) => {
      const envelope = parseEnvelope(body);
      expect(envelope.version).toBe(2);
      expect(parseEnvelope(serializeEnvelope(envelope))).toEqual(envelope);
    },
  );
});
