import { autoReplyLimits } from "../contract.ts";
import { type AutoReplySettings, autoReplyFor, type ReplySkip } from "../domain/auto-reply.ts";
import type { InboundArrival } from "../domain/envelope.ts";
import { inboundReceived } from "../domain/event-documents.ts";
import type { EventPublisher } from "../domain/events.ts";
import type { SendRequest } from "../domain/sent-message.ts";

/** One sender's auto-reply for one prefix, as this message would take it. */
export interface ReplyClaim {
  /** E.164. */
  sender: string;
  prefix: string;
  messageId: string;
  /** The SMS's arrival: the bound is counted in arrival times, so a redelivery decides as the first delivery did. */
  at: Date;
  /** No other message of this sender and prefix got a reply within this long before `at`. */
  periodMs: number;
}

/** What following up a new SMS needs; adapters/ provide it. */
export interface FollowUpPorts {
  events: EventPublisher;
  /**
   * Takes the sender's auto-reply for the prefix for this message, unless another message took it
   * within the period. True when this message has it, also when it took it itself before (a
   * redelivery must still get its single reply out).
   */
  claimReply(claim: ReplyClaim): Promise<boolean>;
  /** Puts a send request on the outbox (the sender sends each CKey at most once). */
  queueSend(request: Required<Omit<SendRequest, "transactional">>): Promise<void>;
}

export type ReplyOutcome = "queued" | ReplySkip | "bounded";

/**
 * What happens once per new SMS, run for the arrival that opened its record (RecordedArrival.opened):
 * on its first delivery, and again on an SQS redelivery of it, which must finish whatever a failure
 * part-way left. Each step is idempotent for that: the event has a fixed id (`inbound:<messageId>`),
 * the reply claim is this message's own to take again, and the reply's CKey (`reply-<messageId>`) is
 * sent at most once by the sender. A retry or a repeat within the window opens nothing: nothing runs.
 */
export async function followNewSms(
  messageId: string,
  arrival: Pick<InboundArrival, "receivedAt" | "sms">,
  ports: FollowUpPorts,
  settings: AutoReplySettings,
): Promise<{ reply: ReplyOutcome | undefined }> {
  await ports.events.publish(inboundReceived(messageId, arrival));
  const { sms } = arrival;
  const decision = autoReplyFor(
    {
      messageId,
      sender: sms.sender.e164,
      recipient: sms.recipient.e164,
      prefix: sms.prefix,
      text: sms.text,
      body: sms.fields.Body ?? "",
    },
    settings,
  );
  if (decision.kind === "none") return { reply: undefined };
  if (decision.kind === "skip") return { reply: decision.reason };
  const claimed = await ports.claimReply({
    sender: sms.sender.e164,
    prefix: sms.prefix,
    messageId,
    at: new Date(arrival.receivedAt),
    periodMs: autoReplyLimits.perSenderSeconds * 1000,
  });
  if (!claimed) return { reply: "bounded" };
  await ports.queueSend(decision.request);
  return { reply: "queued" };
}
