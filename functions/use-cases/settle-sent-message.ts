import type { DeliveryReport } from "../domain/delivery-report.ts";
import { sentStatusChanged } from "../domain/event-documents.ts";
import type { EventPublisher } from "../domain/events.ts";
import { type FinalResult, finalResultOf, type SentMessage } from "../domain/sent-message.ts";
import type { RecordedCallback } from "./record-status-callback.ts";

/** What a delivery record tells its sent message. */
export interface ReportUpdate {
  deliveryReportId: string;
  msgId?: string;
  reportedStatus: string;
  /** Set once the record's result is final: delivered or failed. */
  result?: Exclude<FinalResult, "expired">;
  resultCode?: string;
  resultMeaning?: string;
  resultAt?: string;
}

/** `result`: the sent message got its final result from this update; `linked`: only its links changed. */
export type Applied = "result" | "linked" | "unchanged" | "missing";

/** What applying a report did, and with a result, the sent message as that write left it. */
export type AppliedReport = { applied: "result"; record: SentMessage } | { applied: "linked" | "missing" };

/** The sent-message records, as joining status callbacks to them needs them. */
export interface SentMessageJoinPorts {
  findSent(ckey: string): Promise<SentMessage | undefined>;
  /**
   * Applies a delivery record to its sent message, never letting its status regress: a final result
   * replaces none but `expired` (a real result that comes late beats having none).
   */
  applyReport(ckey: string, update: ReportUpdate): Promise<AppliedReport>;
  /** Notes on the delivery record which sent message it reports on (it stops being an orphan). */
  markReportJoined(recordId: string, ckey: string): Promise<void>;
  /** Where a change of a sent message's status is announced (`sent.status-changed`). */
  events: EventPublisher;
}

export interface SentMessageLookup {
  findSent(ckey: string): Promise<SentMessage | undefined>;
  /** The CKey of the message ToBeText named MsgId, through the index (eventually consistent). */
  findCKeyByMsgId(msgId: string): Promise<string | undefined>;
}

/**
 * The sent message a delivery record reports on: the one it names already (`sentCKey`), else by its
 * CKey when it has one, else by its MsgId.
 * A CKey alone decides: results carry the CKey given at send time (tobetext-protocol.md), and a
 * CKey's record is reserved before ToBeText has the message, so a callback carrying the CKey of a
 * message this stack sent always finds it; when it finds none, the MsgId names no message of this
 * stack either (it belongs to the message sent with that CKey), and its index is not read. One
 * naming only a MsgId may come before the send's answer is stored: the sender joins it once it
 * stores the answer, and the sweep before it expires anything.
 */
export async function sentMessageOf(
  report: Pick<DeliveryReport, "cKey" | "msgId" | "sentCKey">,
  lookup: SentMessageLookup,
): Promise<SentMessage | undefined> {
  if (report.sentCKey !== undefined) return lookup.findSent(report.sentCKey);
  if (report.cKey !== undefined) return lookup.findSent(report.cKey);
  if (report.msgId === undefined) return undefined;
  const ckey = await lookup.findCKeyByMsgId(report.msgId);
  return ckey === undefined ? undefined : lookup.findSent(ckey);
}

function updateFromReport(report: DeliveryReport): ReportUpdate {
  const result = finalResultOf(report.outcome);
  const current = report.history.find(
    (entry) =>
      entry.status === report.status && entry.errorCode === report.errorCode && entry.errorMsg === report.errorMsg,
  );
  return {
    deliveryReportId: report.recordId,
    ...(report.msgId === undefined ? {} : { msgId: report.msgId }),
    reportedStatus: report.status,
    ...(result === undefined
      ? {}
      : {
          result,
          resultCode: report.errorCode,
          resultMeaning: report.errorMeaning,
          resultAt: current?.firstArrivalAt ?? report.lastCallbackAt,
        }),
  };
}

/** Whether the update would change the sent message: repeated callbacks then cost it no write. */
export function changesSentMessage(sent: SentMessage, update: ReportUpdate): boolean {
  if (sent.deliveryReportId !== update.deliveryReportId) return true;
  if (sent.msgId === undefined && update.msgId !== undefined) return true;
  if (update.result !== undefined) return sent.result === undefined || sent.result === "expired";
  return sent.result === undefined && sent.reportedStatus !== update.reportedStatus;
}

/** Joins a delivery record and its sent message, both ways; undefined when there is no such message. */
export async function settleFromReport(
  ckey: string,
  report: DeliveryReport,
  ports: SentMessageJoinPorts,
  known?: SentMessage,
): Promise<Applied | undefined> {
  const sent = known ?? (await ports.findSent(ckey));
  if (!sent) return undefined;
  const update = updateFromReport(report);
  const written = changesSentMessage(sent, update) ? await ports.applyReport(ckey, update) : undefined;
  if (report.sentCKey !== ckey) await ports.markReportJoined(report.recordId, ckey);
  // After the write, which may lose to another result: only a result that took is announced, as
  // written. A failure before this publish fails the callback's record, and its redelivery
  // republishes (resumeSettlement); the event's id is the same, so subscribers drop the repeat.
  if (written?.applied === "result") await publishStatus(ports.events, written.record);
  return written?.applied ?? "unchanged";
}

/**
 * An SQS redelivery of a callback already counted: finishes what its first delivery may have left
 * undone, the sent message's update and its event. When the sent message already has this record's
 * final result, its event is published again (the first delivery may have stopped before it): the
 * same id, never a new status. Repeated callbacks (new arrivals) never come here: they are counted.
 */
export async function resumeSettlement(
  report: DeliveryReport,
  ports: SentMessageJoinPorts,
): Promise<Applied | undefined> {
  if (report.sentCKey === undefined) return undefined;
  const sent = await ports.findSent(report.sentCKey);
  if (!sent) return undefined;
  const applied = await settleFromReport(sent.ckey, report, ports, sent);
  const result = finalResultOf(report.outcome);
  if (
    applied === "unchanged" &&
    result !== undefined &&
    sent.result === result &&
    sent.deliveryReportId === report.recordId
  ) {
    await publishStatus(ports.events, sent);
  }
  return applied;
}

/**
 * What a status callback, once recorded, does to its sent message. A counted one settles the message
 * its record names (written with the count: only the message is left to update). An SQS redelivery
 * (counted already) finishes what its first delivery may have left, the message's update and its
 * event, from the record as the count found it.
 */
export async function settleRecordedCallback(
  recorded: RecordedCallback,
  ports: SentMessageJoinPorts,
): Promise<Applied | undefined> {
  const { report, sent, stored } = recorded;
  if (report && sent) return settleFromReport(sent.ckey, report, ports, sent);
  if (recorded.counted || !stored) return undefined;
  return resumeSettlement(stored, ports);
}

export async function publishStatus(events: EventPublisher, record: SentMessage): Promise<void> {
  const event = sentStatusChanged(record);
  if (event) await events.publish(event);
}
