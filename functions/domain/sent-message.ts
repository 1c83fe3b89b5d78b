/**
 * A message sent through ToBeText: the request as the customer's systems put it on the outbox
 * queue, its checks, ToBeText's answer, and the record kept of it (one per CKey).
 */
import { sendLimits } from "../contract.ts";
import type { Outcome } from "./envelope.ts";
import { type PhoneNumber, parsePhoneNumber } from "./phone-number.ts";
import { bodyProblem } from "./send-body.ts";

/**
 * A send request, the outbox queue's message body (JSON, README "Sending"). `ckey` makes a request
 * idempotent: whatever happens to it, one CKey is sent at most once. Without one, the SQS message id
 * serves, which only protects against SQS's own redeliveries.
 */
export interface SendRequest {
  to: string;
  text: string;
  from?: string;
  ckey?: string;
  /**
   * Not advertising (an order's notice, a one-time code, an opt-out's confirmation): sent even to a number
   * that opted out (README "Opt-out (수신거부)"). The customer answers for the claim.
   */
  transactional?: boolean;
}

/** The request's text fields, as a refused record keeps them. */
type RequestFields = Partial<Record<Exclude<keyof SendRequest, "transactional">, string>>;

/** A request the checks passed: what goes to ToBeText. */
export interface SendCommand {
  ckey: string;
  to: PhoneNumber;
  from: PhoneNumber;
  text: string;
  /** Sent whether or not `to` opted out. */
  transactional: boolean;
}

/** A request refused before ToBeText: the field at fault and why, in words that name it. */
export interface Refusal {
  field: string;
  reason: string;
}

export interface SenderNumbers {
  /** E.164 numbers this account may send from (TOBETEXT_NUMBERS); empty: any valid number. */
  allowed: readonly string[];
  /** E.164, for requests naming no sender (TOBETEXT_SENDER, else the first allowed); none: `from` is required. */
  default?: string;
}

export type CheckedRequest =
  | { ok: true; command: SendCommand }
  | { ok: false; ckey: string | undefined; request: RequestFields; refusal: Refusal };

/**
 * Checks a send request as ToBeText would, and more: the CKey (this system's key for it), the
 * recipient and sender numbers (the sender one of this account's), and ToBeText's Body rule.
 * `fallbackCKey` is used when the request names none.
 */
export function checkSendRequest(raw: unknown, numbers: SenderNumbers, fallbackCKey?: string): CheckedRequest {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return refused(fallbackCKey, {}, "request", "the request is not a JSON object with to, text, from, ckey");
  }
  const fields = raw as Record<string, unknown>;
  const request: RequestFields = {};
  for (const name of ["to", "text", "from", "ckey"] as const) {
    const value = fields[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") return refused(fallbackCKey, request, name, `${name} must be a string`);
    request[name] = value;
  }
  const transactional = fields.transactional ?? false;
  if (typeof transactional !== "boolean") {
    return refused(fallbackCKey, request, "transactional", "transactional must be true or false");
  }
  const ckey = request.ckey ?? fallbackCKey;
  if (ckey === undefined || !sendLimits.ckeyPattern.test(ckey)) {
    return refused(
      undefined,
      request,
      "ckey",
      "ckey must be 1 to 64 letters, digits or . _ : - (it names the message to ToBeText and in its results)",
    );
  }
  if (request.to === undefined || request.to.trim() === "") return refused(ckey, request, "to", "to is missing");
  const to = parsePhoneNumber(request.to);
  if (!to) return refused(ckey, request, "to", `to is not a phone number`);
  const from = senderNumber(request.from, numbers);
  if ("field" in from) return refused(ckey, request, from.field, from.reason);
  const text = request.text ?? "";
  const problem = bodyProblem(text);
  if (problem !== undefined) return refused(ckey, request, "text", problem.replace(/^Body/, "text"));
  return { ok: true, command: { ckey, to, from, text, transactional } };
}

function senderNumber(given: string | undefined, numbers: SenderNumbers): PhoneNumber | Refusal {
  if (given === undefined || given.trim() === "") {
    const fallback = numbers.default ?? numbers.allowed[0];
    if (fallback === undefined) {
      return { field: "from", reason: "from is missing (no TOBETEXT_SENDER or TOBETEXT_NUMBERS to default to)" };
    }
    return { asSent: fallback, e164: fallback };
  }
  const from = parsePhoneNumber(given);
  if (!from) return { field: "from", reason: "from is not a phone number" };
  if (numbers.allowed.length > 0 && !numbers.allowed.includes(from.e164)) {
    return { field: "from", reason: "from is not one of this account's numbers (TOBETEXT_NUMBERS)" };
  }
  return from;
}

function refused(ckey: string | undefined, request: RequestFields, field: string, reason: string): CheckedRequest {
  return { ok: false, ckey, request, refusal: { field, reason } };
}

/**
 * ToBeText's form fields for a command. RecvNum in E.164, as its reference asks; SendNum as a
 * Korean caller sees it (`0212345678`, `01012345678`): at home ToBeText sends it as given.
 */
export function toBeTextFields(
  command: SendCommand,
  credentials: { cid: string; token: string },
  callback: string | undefined,
): Record<string, string> {
  return {
    Ckey: command.ckey,
    RecvNum: command.to.e164,
    SendNum: nationalDigits(command.from.e164),
    Body: command.text,
    Cid: credentials.cid,
    token: credentials.token,
    ...(callback === undefined ? {} : { callback }),
  };
}

export const nationalDigits = (e164: string) => (e164.startsWith("+82") ? `0${e164.slice(3)}` : e164.slice(1));

/** What became of a send request at ToBeText. */
export type SendOutcome = "sending" | "accepted" | "refused" | "unknown";
/** A sent message's final result: from a status callback, or `expired` when none came in time. */
export type FinalResult = "delivered" | "failed" | "expired";
/** A record's status: its final result once there is one, else its send outcome. */
export type SentStatus = SendOutcome | FinalResult;

/** The stored record of one CKey. */
export interface SentMessage {
  ckey: string;
  /** When the sender took the request (ISO 8601). */
  requestedAt: string;
  /** The SQS message that carried it. */
  requestId: string;
  /** The sender invocation that reserved the CKey; only it records the outcome. */
  attempt: string;
  /** As requested. */
  to?: string;
  /** E.164, the index key (absent when `to` is not a number). */
  recipient?: string;
  from?: string;
  /** The SendNum given to ToBeText. */
  sendNum?: string;
  text?: string;
  sendOutcome: SendOutcome;
  status: SentStatus;
  /** Why it was refused or is unknown, naming the field at fault. */
  reason?: string;
  refusedBy?: "sender" | "ToBeText";
  /** ToBeText's ErrorCode in its answer. */
  errorCode?: string;
  /** ToBeText's answer as it came (clipped), for the record. */
  answer?: string;
  answeredAt?: string;
  msgId?: string;
  /** Marked transactional by the request: sent whether or not `to` opted out. */
  transactional?: true;
  /** Present only while a final result is awaited: the sweep's sparse index (`awaiting-resultDueAt-keys`). */
  awaiting?: "result";
  resultDueAt?: string;
  result?: FinalResult;
  resultCode?: string;
  resultMeaning?: string;
  resultAt?: string;
  /** The delivery record (deliveryReports) of its status callbacks. */
  deliveryReportId?: string;
  /** The latest reported status while none is final. */
  reportedStatus?: string;
}

export const awaitingResult = "result" as const;

/** The record that reserves a CKey before anything goes to ToBeText. */
export function reservation(
  command: SendCommand,
  ids: { requestId: string; attempt: string },
  requestedAt: Date,
  resultTimeoutMs: number,
): SentMessage {
  return {
    ckey: command.ckey,
    requestedAt: requestedAt.toISOString(),
    requestId: ids.requestId,
    attempt: ids.attempt,
    to: command.to.asSent,
    recipient: command.to.e164,
    from: command.from.e164,
    sendNum: nationalDigits(command.from.e164),
    text: command.text,
    ...(command.transactional ? { transactional: true as const } : {}),
    sendOutcome: "sending",
    status: "sending",
    awaiting: awaitingResult,
    resultDueAt: new Date(requestedAt.getTime() + resultTimeoutMs).toISOString(),
  };
}

/** The record of a request refused before ToBeText: final at once, nothing awaited. */
export function refusedRecord(
  checked: Extract<CheckedRequest, { ok: false }> & { ckey: string },
  ids: { requestId: string; attempt: string },
  requestedAt: Date,
): SentMessage {
  const { request } = checked;
  const to = request.to === undefined ? undefined : parsePhoneNumber(request.to);
  return {
    ckey: checked.ckey,
    requestedAt: requestedAt.toISOString(),
    requestId: ids.requestId,
    attempt: ids.attempt,
    ...(request.to === undefined ? {} : { to: request.to }),
    ...(to ? { recipient: to.e164 } : {}),
    ...(request.from === undefined ? {} : { from: request.from }),
    ...(request.text === undefined ? {} : { text: request.text }),
    sendOutcome: "refused",
    status: "refused",
    refusedBy: "sender",
    reason: checked.refusal.reason,
  };
}

/** ToBeText's answer to a send, read. */
export interface ToBeTextAnswer {
  /** HTTP status. */
  httpStatus: number;
  /** The body as it came. */
  body: string;
  /** The `<ToBeTextResult>` fields, when the body is one. */
  result?: { status?: string; msgId?: string; errorCode?: string; errorMsg?: string };
}

/** What the sender records of ToBeText's answer. */
export interface AnswerOutcome {
  sendOutcome: "accepted" | "refused" | "unknown";
  msgId?: string;
  errorCode?: string;
  reason?: string;
}

/** ToBeText's send result codes (its Outbound SMS reference) and the field each one blames. */
const refusalCodes: Readonly<Record<string, string>> = {
  "2001": "Ckey: ToBeText refused the CKey (2001)",
  "2002": "Cid/token: ToBeText refused the credentials (2002, bad CCode)",
  "2004": "SendNum: ToBeText refused the sender number (2004)",
  "2005": "Body: ToBeText refused the text (2005)",
};

/**
 * Reads ToBeText's answer: ErrorCode 200 with a MsgId is accepted; a documented error code is a
 * refusal naming its field; any other code in a `<ToBeTextResult>` a refusal in ToBeText's words.
 * An answer that is no result at all (an HTTP error page, say) leaves the outcome unknown: the
 * request reached ToBeText, which may have sent it.
 */
export function outcomeOfAnswer(answer: ToBeTextAnswer): AnswerOutcome {
  const result = answer.result;
  const code = result?.errorCode?.trim();
  if (!result || !code) {
    return {
      sendOutcome: "unknown",
      reason: `ToBeText answered HTTP ${answer.httpStatus} without a result; its status callback will tell`,
    };
  }
  const msgId = result.msgId?.trim() || undefined;
  if (code === "200") {
    if (msgId) return { sendOutcome: "accepted", msgId, errorCode: code };
    return { sendOutcome: "unknown", errorCode: code, reason: "ToBeText answered 200 without a MsgId" };
  }
  const words = result.errorMsg?.trim();
  const reason = refusalCodes[code] ?? `ToBeText refused the message (ErrorCode ${code})`;
  return {
    sendOutcome: "refused",
    errorCode: code,
    reason: words ? `${reason}: ${words}` : reason,
    ...(msgId ? { msgId } : {}),
  };
}

/** A delivery record's outcome as a sent message's final result; undefined while not final. */
export function finalResultOf(outcome: Outcome): Exclude<FinalResult, "expired"> | undefined {
  return outcome === "delivered" || outcome === "failed" ? outcome : undefined;
}
