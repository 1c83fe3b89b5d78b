import { createHash } from "node:crypto";
import type { Envelope, InboundArrival, InboundFlag, InboundSms } from "./envelope.ts";
import { splitBody } from "./message-prefix.ts";
import { parsePhoneNumber } from "./phone-number.ts";
import { type Acceptance, fieldIgnoringCase, type ReceivedFields, rejected } from "./received-fields.ts";
import { notOurNumber } from "./rejection-replay.ts";
import { resultCodes } from "./tobetext-result.ts";

export type { InboundFlag, InboundSms } from "./envelope.ts";

export interface InboundRules {
  /** Prefixes the customer bought from ToBeText. */
  prefixes: readonly string[];
  /** E.164 receiving numbers accepted; empty accepts any valid number. */
  receivingNumbers: ReadonlySet<string>;
}

/**
 * Accepts an inbound SMS: SendNum and RecvNum must be phone numbers (RecvNum one of the
 * customer's, when those are configured) and Body must have text; Body is then split into
 * the customer's prefix and the message. Field names are matched ignoring case.
 */
export function acceptInboundSms(input: ReceivedFields, rules: InboundRules): Acceptance<InboundSms> {
  const sendNum = fieldIgnoringCase(input.fields, "SendNum");
  const recvNum = fieldIgnoringCase(input.fields, "RecvNum");
  const body = fieldIgnoringCase(input.fields, "Body");

  const sender = sendNum === undefined ? undefined : parsePhoneNumber(sendNum);
  if (!sender) return rejected(resultCodes.badPhoneNumber, describeBadNumber("SendNum", sendNum));
  const recipient = recvNum === undefined ? undefined : parsePhoneNumber(recvNum);
  if (!recipient) return rejected(resultCodes.badPhoneNumber, describeBadNumber("RecvNum", recvNum));
  if (rules.receivingNumbers.size > 0 && !rules.receivingNumbers.has(recipient.e164)) {
    return rejected(notOurNumber.errorCode, notOurNumber.reason);
  }
  if (body === undefined || body.trim() === "") {
    return rejected(resultCodes.badBody, body === undefined ? "Body is missing" : "Body is empty");
  }

  const { prefix, text } = splitBody(body, rules.prefixes);
  const flags: InboundFlag[] = [];
  if (prefix === "") flags.push("UNKNOWN_PREFIX");
  if (Object.keys(input.undecodable).length > 0) flags.push("UNDECODABLE_BYTES");
  return { accepted: true, value: { ...input, sender, recipient, prefix, text, flags } };
}

/** The envelope an accepted inbound SMS is queued in: by the receive function, and by a replay. */
export function inboundSmsEnvelope(arrival: Omit<InboundArrival, "sms">, sms: InboundSms): Envelope {
  return { kind: "inbound-sms", version: 2, arrival: { ...arrival, sms } };
}

/**
 * What makes two deliveries "the same SMS": sender, receiving number and Body. ToBeText's
 * retries repeat exactly these; numbers are compared in E.164 so formatting cannot split them.
 */
export function fingerprintOf(sms: Pick<InboundSms, "sender" | "recipient" | "fields">): string {
  return createHash("sha256")
    .update(JSON.stringify([sms.sender.e164, sms.recipient.e164, bodyOf(sms)]))
    .digest("hex");
}

/** Body as received: prefix and text. */
export const bodyOf = (sms: Pick<InboundSms, "fields">): string => fieldIgnoringCase(sms.fields, "Body") ?? "";

function describeBadNumber(field: string, value: string | undefined): string {
  if (value === undefined) return `${field} is missing`;
  if (value.trim() === "") return `${field} is empty`;
  return `${field} is not a valid phone number`;
}
