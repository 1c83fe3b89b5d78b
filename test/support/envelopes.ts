/** Envelopes as the receive handlers queue them, for tests that put messages on a queue directly. */
import type { Envelope } from "../../functions/domain/envelope.ts";
import { statusCodes, unknownCode } from "../../functions/domain/status-callback.ts";

export function inboundSmsEnvelope(options: {
  deliveryId: string;
  receivedAt?: string;
  sender: string;
  recipient: string;
  prefix: string;
  text: string;
  fields?: Record<string, string>;
}): Envelope {
  const e164 = (number: string) => `+82${number.replace(/\D/g, "").replace(/^(82|0)/, "")}`;
  return {
    kind: "inbound-sms",
    version: 1,
    delivery: {
      deliveryId: options.deliveryId,
      receivedAt: options.receivedAt ?? new Date().toISOString(),
      sms: {
        sender: { e164: e164(options.sender), asSent: options.sender },
        recipient: { e164: e164(options.recipient), asSent: options.recipient },
        body: `${options.prefix} ${options.text}`,
        prefix: options.prefix,
        text: options.text,
        fields: options.fields ?? {},
        undecodable: {},
        charset: "utf-8",
        format: "form-urlencoded",
        flags: [],
      },
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
