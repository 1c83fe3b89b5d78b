/** Accepted requests and the envelopes the receive handlers queue them in, as test fixtures. */
import type { Envelope, InboundSms } from "../../functions/domain/envelope.ts";
import { statusCodes, unknownCode } from "../../functions/domain/status-callback.ts";

export interface InboundSmsOptions {
  sender: string;
  recipient: string;
  prefix: string;
  text: string;
  /** Fields received besides SendNum, RecvNum and Body (which are derived from the options above). */
  extraFields?: Record<string, string>;
  flags?: InboundSms["flags"];
}

/** An accepted inbound SMS, as acceptInboundSms makes one from a UTF-8 form (Korean numbers only). */
export function inboundSms(options: InboundSmsOptions): InboundSms {
  const e164 = (number: string) => `+82${number.replace(/\D/g, "").replace(/^(82|0)/, "")}`;
  const body = `${options.prefix} ${options.text}`;
  return {
    fields: { SendNum: options.sender, RecvNum: options.recipient, Body: body, ...options.extraFields },
    undecodable: {},
    charset: "utf-8",
    format: "form-urlencoded",
    sender: { asSent: options.sender, e164: e164(options.sender) },
    recipient: { asSent: options.recipient, e164: e164(options.recipient) },
    prefix: options.prefix,
    text: options.text,
    flags: options.flags ?? [],
  };
}

/** The arrival's id (answered as MsgId). */
type ArrivalIdOption = { arrivalId: string };
const arrivalIdOf = (options: ArrivalIdOption) => options.arrivalId;

export function inboundSmsEnvelope(
  options: InboundSmsOptions & ArrivalIdOption & { receivedAt?: string; fields?: Record<string, string> },
): Envelope {
  const sms = inboundSms(options);
  return {
    kind: "inbound-sms",
    version: 2,
    arrival: {
      arrivalId: arrivalIdOf(options),
      receivedAt: options.receivedAt ?? new Date().toISOString(),
      sms: options.fields ? { ...sms, fields: options.fields } : sms,
    },
  };
}

export function statusCallbackEnvelope(
  options: ArrivalIdOption & { receivedAt?: string; msgId: string; cKey?: string; status: string; errorCode: string },
): Envelope {
  const code = statusCodes[options.errorCode] ?? unknownCode;
  return {
    kind: "status-callback",
    version: 2,
    arrival: {
      arrivalId: arrivalIdOf(options),
      receivedAt: options.receivedAt ?? new Date().toISOString(),
      callback: {
        msgId: options.msgId,
        ...(options.cKey === undefined ? {} : { cKey: options.cKey }),
        status: options.status,
        errorCode: options.errorCode,
        errorMeaning: code.meaning,
        outcome: code.outcome,
        errorMsg: "",
        fields: {},
        undecodable: {},
        charset: "ascii",
        format: "form-urlencoded",
      },
    },
  };
}

/**
 * Version 1 envelopes, exactly as receivers before issue 9 queued them, and still waiting in a
 * queue (or a dead-letter queue) when the processors are upgraded. Two releases wrote version 1:
 * the first also put Body on the SMS (`sms.body`) and the path on a rejected request
 * (`request.path`, the URL secret included); the later one kept Body in `fields.Body` only and
 * the route template (`request.routeKey`) instead of the path.
 */
export const firstVersionBodies = {
  inboundSms:
    '{"kind":"inbound-sms","version":1,"delivery":{"deliveryId":"0123456789abcdef0123456789abcdef","receivedAt":"2026-01-01T09:00:00.000Z","sms":{"fields":{"SendNum":"010-1234-5678","RecvNum":"821098765432","Body":"TOBE 안녕하세요"},"undecodable":{},"format":"form-urlencoded","charset":"utf-8","sender":{"asSent":"010-1234-5678","e164":"+821012345678"},"recipient":{"asSent":"821098765432","e164":"+821098765432"},"body":"TOBE 안녕하세요","prefix":"TOBE","text":"안녕하세요","flags":[]}}}',
  inboundSmsWithoutBody:
    '{"kind":"inbound-sms","version":1,"delivery":{"deliveryId":"11111111111111111111111111111111","receivedAt":"2026-01-01T09:01:00.000Z","sms":{"fields":{"SendNum":"01012345678","RecvNum":"021234567","Body":"안녕"},"undecodable":{"Memo":"/w=="},"format":"multipart","charset":"euc-kr","sender":{"asSent":"01012345678","e164":"+821012345678"},"recipient":{"asSent":"021234567","e164":"+8221234567"},"prefix":"","text":"안녕","flags":["UNKNOWN_PREFIX","UNDECODABLE_BYTES"]}}}',
  statusCallback:
    '{"kind":"status-callback","version":1,"delivery":{"deliveryId":"fedcba9876543210fedcba9876543210","receivedAt":"2026-01-01T09:05:00.000Z","callback":{"fields":{"MsgId":"m-1","Status":"Success","ErrorCode":"200","ErrorMsg":"ok","RecvNum":"010-9876-5432"},"undecodable":{},"format":"form-urlencoded","charset":"ascii","msgId":"m-1","status":"Success","errorCode":"200","errorMeaning":"Success: delivered","outcome":"delivered","errorMsg":"ok","recvNum":{"asSent":"010-9876-5432","e164":"+821098765432"}}}}',
  rejectedRequestWithPath:
    '{"kind":"rejected-request","version":1,"rejected":{"rejectionId":"00000000000000000000000000000001","route":"inboundSms","receivedAt":"2026-01-01T09:10:00.000Z","httpStatus":405,"errorCode":405,"reason":"Method GET is not allowed; ToBeText posts","request":{"method":"GET","path":"/inbound/url-secret-0123456789abcdef","rawQueryString":"","headers":{"user-agent":"curl/8.0"},"sourceIp":"203.0.113.7","bodyBase64":"","bodyBytes":0,"bodyTruncated":false}}}',
  rejectedRequestWithRouteKey:
    '{"kind":"rejected-request","version":1,"rejected":{"rejectionId":"00000000000000000000000000000002","route":"statusCallback","receivedAt":"2026-01-01T09:11:00.000Z","httpStatus":400,"errorCode":2001,"reason":"Neither MsgId nor CKey names the message","request":{"method":"POST","routeKey":"ANY /status-callback/{secret}","rawQueryString":"","headers":{"content-type":"application/x-www-form-urlencoded"},"sourceIp":"203.0.113.7","bodyBase64":"U3RhdHVzPVN1Y2Nlc3M=","bodyBytes":14,"bodyTruncated":false},"fields":{"Status":"Success"}}}',
} as const;

/** The URL secret in the path a first-version rejected request carried: it must not survive the reading. */
export const firstVersionPathSecret = "url-secret-0123456789abcdef";
