import { describe, expect, it } from "vitest";
import {
  type Envelope,
  MalformedEnvelopeError,
  parseEnvelope,
  type RejectedRequest,
  serializeEnvelope,
} from "../../functions/domain/envelope.ts";
import type { InboundArrival } from "../../functions/domain/inbound-message.ts";
import { inboundSms } from "../support/envelopes.ts";

const delivery: InboundArrival = {
  deliveryId: "0123456789abcdef0123456789abcdef",
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

const inboundEnvelope: Envelope = { kind: "inbound-sms", version: 1, delivery };
const rejectedEnvelope: Envelope = { kind: "rejected-request", version: 1, rejected };

/** Any code point above U+FFFF, written as itself. */
const astral = /[\u{10000}-\u{10FFFF}]/u;

function withText(text: string): Envelope {
  const sms = { ...delivery.sms, fields: { ...delivery.sms.fields, Body: text }, text };
  return { kind: "inbound-sms", version: 1, delivery: { ...delivery, sms } };
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
      version: 1,
      delivery: { ...delivery, sms: { ...delivery.sms, fields: { "😀key": "value 🎉" } } },
    };
    const json = serializeEnvelope(envelope);
    expect(json).not.toMatch(astral);
    expect(JSON.parse(json)).toEqual(envelope);
  });
});

describe("parseEnvelope", () => {
  it.each([
    ["inbound-sms", inboundEnvelope],
    ["rejected-request", rejectedEnvelope],
  ])("round-trips a valid %s envelope", (_kind, envelope) => {
    expect(parseEnvelope(serializeEnvelope(envelope))).toEqual(envelope);
  });

  it("round-trips a rejected request without fields", () => {
    const { fields: _fields, ...withoutFields } = rejected;
    const envelope: Envelope = { kind: "rejected-request", version: 1, rejected: withoutFields };
    expect(parseEnvelope(serializeEnvelope(envelope))).toEqual(envelope);
  });

  const inboundWith = (change: (copy: Record<string, unknown>) => void): string => {
    const copy = structuredClone(inboundEnvelope) as unknown as Record<string, unknown>;
    change(copy);
    return JSON.stringify(copy);
  };
  const smsOf = (copy: Record<string, unknown>) =>
    (copy.delivery as Record<string, unknown>).sms as Record<string, unknown>;

  it.each([
    ["non-JSON", "not json {"],
    ["empty body", ""],
    ["a JSON array", "[]"],
    ["a JSON string", '"inbound-sms"'],
    ["JSON null", "null"],
    ["no version", inboundWith((copy) => delete copy.version)],
    ["version 2", inboundWith((copy) => (copy.version = 2))],
    ["version as a string", inboundWith((copy) => (copy.version = "1"))],
    ["unknown kind", inboundWith((copy) => (copy.kind = "status-callback"))],
    ["no kind", inboundWith((copy) => delete copy.kind)],
    ["inbound-sms without delivery", inboundWith((copy) => delete copy.delivery)],
    ["inbound-sms carrying a rejected request", JSON.stringify({ kind: "inbound-sms", version: 1, rejected })],
    ["no deliveryId", inboundWith((copy) => delete (copy.delivery as Record<string, unknown>).deliveryId)],
    ["no sms", inboundWith((copy) => delete (copy.delivery as Record<string, unknown>).sms)],
    ["no sender", inboundWith((copy) => delete smsOf(copy).sender)],
    ["recipient without e164", inboundWith((copy) => delete (smsOf(copy).recipient as Record<string, unknown>).e164)],
    ["no text", inboundWith((copy) => delete smsOf(copy).text)],
    ["no fields", inboundWith((copy) => delete smsOf(copy).fields)],
    ["no undecodable", inboundWith((copy) => delete smsOf(copy).undecodable)],
    ["flags not an array", inboundWith((copy) => (smsOf(copy).flags = "UNKNOWN_PREFIX"))],
    [
      "invalid receivedAt",
      inboundWith((copy) => ((copy.delivery as Record<string, unknown>).receivedAt = "yesterday")),
    ],
    ["receivedAt not a string", inboundWith((copy) => ((copy.delivery as Record<string, unknown>).receivedAt = 0))],
    ["rejected-request without rejected", JSON.stringify({ kind: "rejected-request", version: 1 })],
    [
      "rejected-request without request",
      JSON.stringify({ kind: "rejected-request", version: 1, rejected: { ...rejected, request: undefined } }),
    ],
    [
      "rejected-request with a string httpStatus",
      JSON.stringify({ kind: "rejected-request", version: 1, rejected: { ...rejected, httpStatus: "400" } }),
    ],
    [
      "rejected-request without reason",
      JSON.stringify({ kind: "rejected-request", version: 1, rejected: { ...rejected, reason: undefined } }),
    ],
  ])("throws MalformedEnvelopeError for %s", (_label, body) => {
    expect(() => parseEnvelope(body)).toThrow(MalformedEnvelopeError);
  });
});
