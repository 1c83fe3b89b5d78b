/**
 * What ToBeText answers a send request, and what its status callbacks say: the simulator's pure
 * part. Field names are taken exactly as ToBeText documents them (`Ckey`, `Cid`, `token`, ...), so a
 * sender that spells them otherwise is caught here rather than in production.
 */
import { bodyProblem } from "../../functions/domain/send-body.ts";

export interface Credentials {
  cid: string;
  token: string;
}

/** The send answer's codes, as ToBeText documents them. */
export type SendErrorCode = 200 | 2001 | 2002 | 2004 | 2005;

export interface SendOutcome {
  errorCode: SendErrorCode;
  errorMsg: string;
}

const accepted: SendOutcome = { errorCode: 200, errorMsg: "Message successfully sent" };

/** The documented meaning of each failure code, used when a plan forces one. */
const documentedMessages: Record<Exclude<SendErrorCode, 200>, string> = {
  2001: "bad CKey",
  2002: "bad CCode",
  2004: "bad SendNum",
  2005: "bad Body",
};

/** Digits with an optional leading +, 8 to 15 of them once dashes are removed. */
const phoneNumber = /^\+?\d{8,15}$/;
/** E.164, as ToBeText asks for RecvNum. */
const e164 = /^\+\d{8,15}$/;

/** Checks a send request in the order ToBeText's codes suggest: credentials, Ckey, numbers, Body. */
export function checkSendRequest(fields: Record<string, string>, credentials: Credentials): SendOutcome {
  if (fields.Cid !== credentials.cid || fields.token !== credentials.token)
    return { errorCode: 2002, errorMsg: "bad CCode" };
  if (!fields.Ckey) return { errorCode: 2001, errorMsg: "bad CKey: Ckey is missing" };
  if (!phoneNumber.test((fields.SendNum ?? "").replaceAll("-", "")))
    return { errorCode: 2004, errorMsg: "bad SendNum" };
  // ToBeText documents no code for a bad RecvNum; 2004 is its only code for a bad number. Note that
  // a `+` sent unencoded in a form reads as a space, so such a RecvNum is refused here too.
  if (!e164.test(fields.RecvNum ?? "")) return { errorCode: 2004, errorMsg: "bad RecvNum: not E.164" };
  const problem = bodyProblem(fields.Body ?? "");
  if (problem) return { errorCode: 2005, errorMsg: `bad Body: ${problem}` };
  return accepted;
}

/** The outcome a plan forces, whatever the request holds. */
export function forcedOutcome(answer: "success" | Exclude<SendErrorCode, 200>): SendOutcome {
  return answer === "success" ? accepted : { errorCode: answer, errorMsg: documentedMessages[answer] };
}

/** A status callback's Status and ErrorMsg for its ErrorCode; codes ToBeText does not document are failures. */
export function callbackResult(errorCode: string): { Status: string; ErrorMsg: string } {
  switch (errorCode) {
    case "200":
      return { Status: "Success", ErrorMsg: "Message delivered" };
    case "400":
      return { Status: "Failed", ErrorMsg: "Failed" };
    case "411":
      return { Status: "Failed", ErrorMsg: "internal error" };
    case "412":
      return { Status: "Failed", ErrorMsg: "other" };
    default:
      return { Status: "Failed", ErrorMsg: `error ${errorCode}` };
  }
}

/** A URL with its last path segment (where the receiver keeps its secret) replaced by `***`. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.pathname = parsed.pathname.replace(/[^/]+(\/?)$/, "***$1");
    parsed.search = "";
    parsed.username = "";
    parsed.password = "";
    return parsed.href;
  } catch {
    return "***";
  }
}
