/**
 * The events this system's own changes publish (domain/events.ts defines them): built from what was
 * stored, so that a publish repeated after a failure part-way carries the same document, id included.
 */
import type { InboundArrival } from "./envelope.ts";
import { eventSchemaVersion, type InboundReceived, type SentStatusChanged } from "./events.ts";
import type { SentMessage } from "./sent-message.ts";

/** A new inbound SMS: published for the arrival that opened its record (RecordedArrival.opened). */
export function inboundReceived(
  messageId: string,
  arrival: Pick<InboundArrival, "receivedAt" | "sms">,
): InboundReceived {
  const { sms } = arrival;
  return {
    schema: eventSchemaVersion,
    type: "inbound.received",
    id: `inbound:${messageId}`,
    occurredAt: arrival.receivedAt,
    data: {
      messageId,
      sender: sms.sender.e164,
      recipient: sms.recipient.e164,
      prefix: sms.prefix,
      text: sms.text,
      flags: [...sms.flags],
    },
  };
}

/**
 * A sent message's status, as its record holds it: a final result with its code and meaning, else
 * the send's outcome with ToBeText's ErrorCode and the reason. Undefined while it is only reserved
 * (`sending`: nothing has happened yet that a subscriber could act on).
 */
export function sentStatusChanged(record: SentMessage): SentStatusChanged | undefined {
  const { status } = record;
  if (status === "sending") return undefined;
  const isResult = status === "delivered" || status === "failed" || status === "expired";
  const code = isResult ? record.resultCode : record.errorCode;
  const reason = isResult
    ? status === "expired"
      ? "no final result from ToBeText in time"
      : record.resultMeaning
    : record.reason;
  return {
    schema: eventSchemaVersion,
    type: "sent.status-changed",
    id: `sent:${record.ckey}:${status}`,
    occurredAt: (isResult ? record.resultAt : record.answeredAt) ?? record.requestedAt,
    data: {
      ckey: record.ckey,
      status,
      ...(record.msgId === undefined ? {} : { msgId: record.msgId }),
      ...(record.recipient === undefined ? {} : { recipient: record.recipient }),
      ...(code === undefined || code === "" ? {} : { code }),
      ...(reason === undefined || reason === "" ? {} : { reason }),
    },
  };
}
