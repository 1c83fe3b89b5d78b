import { requestLimits } from "../contract.ts";
import type { Outcome, ReportedNumber, StatusCallback } from "./envelope.ts";
import { type PhoneNumber, parsePhoneNumber } from "./phone-number.ts";
import { type Acceptance, fieldIgnoringCase, type ReceivedFields, rejected } from "./received-fields.ts";
import { resultCodes } from "./tobetext-result.ts";

export type { Outcome, ReportedNumber, StatusCallback } from "./envelope.ts";

/** ToBeText's status-callback error codes, with their meaning in words. */
export const statusCodes: Readonly<Record<string, { meaning: string; outcome: Outcome }>> = {
  "200": { meaning: "Success: delivered", outcome: "delivered" },
  "400": { meaning: "Failed", outcome: "failed" },
  "411": { meaning: "Failed: ToBeText internal error", outcome: "failed" },
  "412": { meaning: "Failed: other", outcome: "failed" },
};

export const unknownCode = { meaning: "Unknown error code", outcome: "unknown" } as const;

/**
 * Accepts a status callback: it must name its message by MsgId or CKey. Everything else is
 * kept as reported; an ErrorCode ToBeText's document does not list is kept as unknown, not refused.
 */
export function acceptStatusCallback(input: ReceivedFields): Acceptance<StatusCallback> {
  const asSent = (name: string) => fieldIgnoringCase(input.fields, name);
  const read = (name: string) => asSent(name)?.trim() || undefined;
  const msgId = read("MsgId");
  const cKey = read("CKey");
  if (msgId === undefined && cKey === undefined) {
    return rejected(resultCodes.badCKey, "Neither MsgId nor CKey names the message");
  }
  // They become the record's keys: bounded here, so that what is acknowledged can be stored.
  for (const [name, value] of [
    ["MsgId", msgId],
    ["CKey", cKey],
  ] as const) {
    if (value !== undefined && Buffer.byteLength(value, "utf8") > requestLimits.maxIdentifierBytes) {
      return rejected(resultCodes.badCKey, `${name} is longer than ${requestLimits.maxIdentifierBytes} bytes`);
    }
  }
  const errorCode = read("ErrorCode") ?? "";
  // Own keys only: a code such as "constructor" is unknown, not a property of every object.
  const code = Object.hasOwn(statusCodes, errorCode) ? (statusCodes[errorCode] ?? unknownCode) : unknownCode;
  const sendNum = reportedNumber(asSent("SendNum"));
  const recvNum = reportedNumber(asSent("RecvNum"));
  return {
    accepted: true,
    value: {
      ...input,
      ...(msgId === undefined ? {} : { msgId }),
      ...(cKey === undefined ? {} : { cKey }),
      status: read("Status") ?? "",
      errorCode,
      errorMeaning: code.meaning,
      outcome: code.outcome,
      errorMsg: read("ErrorMsg") ?? "",
      ...(sendNum ? { sendNum } : {}),
      ...(recvNum ? { recvNum } : {}),
    },
  };
}

function reportedNumber(asSent: string | undefined): ReportedNumber | undefined {
  if (asSent === undefined || asSent.trim() === "") return undefined;
  const parsed: PhoneNumber | undefined = parsePhoneNumber(asSent);
  return parsed ? { asSent, e164: parsed.e164 } : { asSent };
}

/**
 * The key of a message's delivery record: ToBeText's MsgId when the callback has one (unique
 * per message at ToBeText), else the customer's CKey.
 */
export function deliveryRecordIdOf(callback: Pick<StatusCallback, "msgId" | "cKey">): string {
  return callback.msgId !== undefined ? `MsgId#${callback.msgId}` : `CKey#${callback.cKey}`;
}
