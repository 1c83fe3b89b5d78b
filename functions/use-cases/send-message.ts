import { randomUUID } from "node:crypto";
import { sendLimits } from "../contract.ts";
import type { DeliveryReport } from "../domain/delivery-report.ts";
import { type Suppression, suppressedReason } from "../domain/opt-out.ts";
import {
  type AnswerOutcome,
  checkSendRequest,
  outcomeOfAnswer,
  refusedRecord,
  reservation,
  type SenderNumbers,
  type SentMessage,
  type ToBeTextAnswer,
  toBeTextFields,
} from "../domain/sent-message.ts";
import { publishStatus, type SentMessageJoinPorts, settleFromReport } from "./settle-sent-message.ts";

/** What happened to a send request's HTTP request to ToBeText. */
export type DeliveryAttempt =
  | { kind: "answered"; answer: ToBeTextAnswer }
  /** It never left (no connection): ToBeText cannot have it, so sending later is safe. */
  | { kind: "not-sent"; error: string }
  /** It left and no answer came (a timeout, a reset): ToBeText may have it. */
  | { kind: "no-answer"; error: string };

/** What sending needs; adapters/ provide it. */
export interface SendPorts extends SentMessageJoinPorts {
  /** Writes the record unless its CKey has one: undefined when written, else the record there. */
  reserve(record: SentMessage): Promise<SentMessage | undefined>;
  /**
   * Records the outcome on the reservation `attempt` holds: the record's status after the write (the
   * outcome, or a result a callback brought first); undefined when it holds none (any more).
   */
  /** The record as the outcome leaves it; undefined when the reservation is not this attempt's, waiting, any more. */
  recordOutcome(ckey: string, attempt: string, outcome: RecordedOutcome): Promise<SentMessage | undefined>;
  /** Deletes the reservation `attempt` holds: the request never reached ToBeText. */
  release(ckey: string, attempt: string): Promise<void>;
  /** The message ToBeText gets. */
  post(fields: Record<string, string>): Promise<DeliveryAttempt>;
  credentials(): Promise<{ cid: string; token: string }>;
  /** This stack's status-callback URL, its secret included. */
  callbackUrl(): Promise<string>;
  /** The delivery record keyed by a MsgId, if callbacks naming it came. */
  findReportByMsgId(msgId: string): Promise<DeliveryReport | undefined>;
  /** The suppression state of an E.164 number, if it ever sent an opt-out or opt-in keyword. */
  findSuppression(number: string): Promise<Pick<Suppression, "suppressed" | "since"> | undefined>;
}

export interface RecordedOutcome extends AnswerOutcome {
  answer?: string;
  answeredAt: string;
}

/** What a send is checked against: the numbers it may go from, and how long its result may take. */
export interface SendRules {
  numbers: SenderNumbers;
  resultTimeoutMs: number;
}

export type SendResult =
  | { kind: "refused-here"; record: SentMessage }
  | { kind: "sent"; outcome: AnswerOutcome; ckey: string; joined: boolean }
  /** The CKey was taken: nothing sent. `stalled` when this request recorded its stopped reservation `unknown`. */
  | { kind: "held"; record: SentMessage; stalled: boolean };

/** The request never reached ToBeText; its reservation is released and SQS delivers it again later. */
export class ToBeTextUnreachableError extends Error {
  override name = "ToBeTextUnreachableError";
}

const maxAnswerCharacters = 2000;

/**
 * Events (`sent.status-changed`) are published after the write that changes the status, never before:
 * a publish ahead of a conditional write could announce a status the write then did not make. A
 * failure between the two fails the request, and SQS delivers it again: the redelivery finds its own
 * record (same SQS message id) and publishes the record's status again, with the same event id.
 *
 * Sends one request from the outbox at most once per CKey. The CKey is reserved by a conditional
 * write before anything goes to ToBeText, so concurrent duplicates, retries and SQS redeliveries
 * find it taken and send nothing. A request that never left (no connection) gives its CKey back
 * and fails, to be delivered again by SQS; one that left without an answer is recorded `unknown`
 * and never sent again: the status callback, which carries the CKey, settles it.
 */
export async function sendMessage(
  request: { body: string; requestId: string },
  ports: SendPorts,
  settings: SendRules,
  now: () => Date = () => new Date(),
): Promise<SendResult> {
  const attempt = randomUUID();
  const ids = { requestId: request.requestId, attempt };
  const checked = checkSendRequest(parseJson(request.body), settings.numbers, request.requestId);
  if (!checked.ok) {
    // Kept, keyed by its CKey, or by its SQS message when its CKey is unusable.
    return refuseHere(
      refusedRecord({ ...checked, ckey: checked.ckey ?? `refused:${request.requestId}` }, ids, now()),
      request.requestId,
      ports,
    );
  }
  const { command } = checked;
  // One read per send that is not transactional: a number that opted out gets no advertising.
  if (!command.transactional) {
    const suppression = await ports.findSuppression(command.to.e164);
    if (suppression?.suppressed) {
      const refusal = { field: "to", reason: suppressedReason(suppression) };
      const asked = { to: command.to.asSent, from: command.from.e164, text: command.text, ckey: command.ckey };
      const record = refusedRecord({ ok: false, ckey: command.ckey, request: asked, refusal }, ids, now());
      return refuseHere(record, request.requestId, ports);
    }
  }
  // Before the reservation: a configuration fault fails the request whole, and SQS delivers it again.
  const [credentials, callback] = await Promise.all([ports.credentials(), ports.callbackUrl()]);
  const reserved = reservation(command, ids, now(), settings.resultTimeoutMs);
  const existing = await ports.reserve(reserved);
  if (existing) return held(existing, request.requestId, await recordIfStalled(existing, ports, now()), ports);

  const delivery = await ports.post(toBeTextFields(command, credentials, callback));
  if (delivery.kind === "not-sent") {
    await ports.release(command.ckey, attempt);
    throw new ToBeTextUnreachableError(`ToBeText could not be reached: ${delivery.error}`);
  }
  const outcome: AnswerOutcome =
    delivery.kind === "answered"
      ? outcomeOfAnswer(delivery.answer)
      : {
          sendOutcome: "unknown",
          reason: `no answer from ToBeText (${delivery.error}); its status callback will tell`,
        };
  const recorded: RecordedOutcome = {
    ...outcome,
    ...(delivery.kind === "answered" ? { answer: delivery.answer.body.slice(0, maxAnswerCharacters) } : {}),
    answeredAt: now().toISOString(),
  };
  const written = await ports.recordOutcome(command.ckey, attempt, recorded);
  // Only when the outcome became the status: a callback that came first keeps its result, announced already.
  if (written?.status === outcome.sendOutcome) await publishStatus(ports.events, written);
  // A callback may have come first (ToBeText reports on its own schedule): join it now. Only one naming
  // no CKey can have missed this message (a CKey finds its reservation), so one read by MsgId does.
  const report =
    outcome.sendOutcome === "refused" || outcome.msgId === undefined
      ? undefined
      : await ports.findReportByMsgId(outcome.msgId);
  const joined = report ? await settleFromReport(command.ckey, report, ports, written) : undefined;
  return { kind: "sent", outcome, ckey: command.ckey, joined: joined !== undefined };
}

/**
 * A request refused before ToBeText, kept under its CKey and announced (`refused`), as every status
 * is; a CKey already taken is held as any other (an SQS redelivery announces it again).
 */
async function refuseHere(record: SentMessage, requestId: string, ports: SendPorts): Promise<SendResult> {
  const existing = await ports.reserve(record);
  if (existing) return held(existing, requestId, false, ports);
  await publishStatus(ports.events, record);
  return { kind: "refused-here", record };
}

/** A reservation whose invocation stopped (it outlived any sender) is recorded `unknown`, never sent again. */
async function recordIfStalled(existing: SentMessage, ports: SendPorts, now: Date): Promise<boolean> {
  if (existing.sendOutcome !== "sending") return false;
  if (now.getTime() - Date.parse(existing.requestedAt) < sendLimits.stalledReservationMs) return false;
  const outcome: RecordedOutcome = {
    sendOutcome: "unknown",
    reason: "the sender stopped before ToBeText's answer was recorded; its status callback will tell",
    answeredAt: now.toISOString(),
  };
  const written = await ports.recordOutcome(existing.ckey, existing.attempt, outcome);
  if (written?.status === "unknown") await publishStatus(ports.events, written);
  return written !== undefined;
}

/**
 * A CKey already taken. When it was taken by this very request (an SQS redelivery: the same message
 * id), the first delivery may have stopped between its write and its event: the record's status is
 * published again, with the same id. Another request of the CKey (a duplicate) publishes nothing.
 */
async function held(existing: SentMessage, requestId: string, stalled: boolean, ports: SendPorts): Promise<SendResult> {
  if (!stalled && existing.requestId === requestId) await publishStatus(ports.events, existing);
  return { kind: "held", record: existing, stalled };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
