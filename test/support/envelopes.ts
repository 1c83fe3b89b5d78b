/** Accepted requests and the envelopes the receive handlers queue them in, as test fixtures. */
import type { Envelope } from "../../functions/domain/envelope.ts";
import type { InboundSms } from "../../functions/domain/inbound-sms.ts";
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

export function inboundSmsEnvelope(
  options: InboundSmsOptions & { deliveryId: string; receivedAt?: string; fields?: Record<string, string> },
): Envelope {
  const sms = inboundSms(options);
  return {
    kind: "inbound-sms",
    version: 1,
    delivery: {
      deliveryId: options.deliveryId,
      receivedAt: options.receivedAt ?? new Date().toISOString(),
      sms: options.fields ? { ...sms, fields: options.fields } : sms,
    },
  };
}

export function statusCallbackEnvelope(options: {
  deliveryId: string;
  receivedAt?: string;
  msgId: string;
  status: string;
  errorCode: string;
}): Envelope {
  const code = statusCodes[options.errorCode] ?? unknownCode;
  return {
    kind: "status-callback",
    version: 1,
    delivery: {
      deliveryId: options.deliveryId,
      receivedAt: options.receivedAt ?? new Date().toISOString(),
      callback: {
        msgId: options.msgId,
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
