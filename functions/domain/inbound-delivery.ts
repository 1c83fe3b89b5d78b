import type { InboundFlag, InboundSms } from "./inbound-sms.ts";

/** One HTTP delivery of an inbound SMS, as the receive handler queued it. */
export interface InboundDelivery {
  /** Unique per HTTP request; answered to ToBeText as MsgId. */
  deliveryId: string;
  /** When API Gateway received the request (ISO-8601). */
  receivedAt: string;
  sms: InboundSms;
}

/** The open window in which repeats of one SMS count as retries of it. */
export interface DedupeWindow {
  messageId: string;
  firstArrivalAt: string;
  windowEndsAt: string;
}

/** The stored record of one inbound SMS. */
export interface InboundMessageRecord {
  messageId: string;
  sender: string;
  senderAsSent: string;
  recipient: string;
  recipientAsSent: string;
  prefix: string;
  text: string;
  body: string;
  fields: Record<string, string>;
  undecodableFields?: Record<string, string>;
  charset: string;
  bodyFormat: string;
  flags: InboundFlag[];
  deliveryCount: number;
  firstArrivalAt: string;
  lastArrivalAt: string;
  /** The latest deliveries (at most `maxListedDeliveries`), oldest first; deliveryCount counts them all. */
  deliveries: { deliveryId: string; arrivedAt: string }[];
  fingerprint: string;
}

/** Bounds the record's size (DynamoDB items stop at 400 KB) whatever a flood of repeats does. */
export const maxListedDeliveries = 100;

export type WindowDecision =
  | { messageId: string; openWindow: DedupeWindow }
  | { messageId: string; openWindow?: undefined };

/**
 * Decides which message a delivery belongs to: the message of the window it falls in, or a
 * new message (named after the delivery) that opens a window when none is open at its arrival.
 */
export function decideMessage(
  current: DedupeWindow | undefined,
  delivery: Pick<InboundDelivery, "deliveryId" | "receivedAt">,
  windowMs: number,
): WindowDecision {
  const arrivedMs = Date.parse(delivery.receivedAt);
  const openNew = (): WindowDecision => ({
    messageId: delivery.deliveryId,
    openWindow: {
      messageId: delivery.deliveryId,
      firstArrivalAt: delivery.receivedAt,
      windowEndsAt: new Date(arrivedMs + windowMs).toISOString(),
    },
  });
  if (current === undefined) return openNew();
  // The delivery that opened the window, seen again (SQS redelivers at least once).
  if (current.messageId === delivery.deliveryId) return { messageId: current.messageId };
  if (arrivedMs >= Date.parse(current.windowEndsAt)) return openNew();
  // Long before this window opened (a dead-letter redrive, say): a message of its own, window untouched.
  if (arrivedMs < Date.parse(current.firstArrivalAt) - windowMs) return { messageId: delivery.deliveryId };
  return { messageId: current.messageId };
}

/**
 * Counts a delivery on its message's record, creating the record with the first delivery seen.
 * Returns undefined when the record lists this delivery already. (A delivery counted long ago
 * may have left the capped list; recordInboundDelivery's marker catches those.)
 */
export function countDelivery(
  current: InboundMessageRecord | undefined,
  delivery: InboundDelivery,
  messageId: string,
  fingerprint: string,
): InboundMessageRecord | undefined {
  const entry = { deliveryId: delivery.deliveryId, arrivedAt: delivery.receivedAt };
  if (current === undefined) {
    const { sms } = delivery;
    return {
      messageId,
      sender: sms.sender.e164,
      senderAsSent: sms.sender.asSent,
      recipient: sms.recipient.e164,
      recipientAsSent: sms.recipient.asSent,
      prefix: sms.prefix,
      text: sms.text,
      body: sms.body,
      fields: sms.fields,
      ...(Object.keys(sms.undecodable).length > 0 ? { undecodableFields: sms.undecodable } : {}),
      charset: sms.charset,
      bodyFormat: sms.format,
      flags: sms.flags,
      deliveryCount: 1,
      firstArrivalAt: delivery.receivedAt,
      lastArrivalAt: delivery.receivedAt,
      deliveries: [entry],
      fingerprint,
    };
  }
  if (current.deliveries.some((listed) => listed.deliveryId === delivery.deliveryId)) return undefined;
  const deliveries = [...current.deliveries, entry]
    .sort((a, b) => a.arrivedAt.localeCompare(b.arrivedAt))
    .slice(-maxListedDeliveries);
  return {
    ...current,
    deliveryCount: current.deliveryCount + 1,
    firstArrivalAt: earlier(current.firstArrivalAt, delivery.receivedAt),
    lastArrivalAt: later(current.lastArrivalAt, delivery.receivedAt),
    deliveries,
  };
}

const earlier = (a: string, b: string) => (Date.parse(a) <= Date.parse(b) ? a : b);
const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);
