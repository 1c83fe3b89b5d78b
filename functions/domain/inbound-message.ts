import type { InboundArrival, InboundFlag } from "./envelope.ts";

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
  /** The message without its prefix; `fields.Body` holds Body as received (prefix and text). */
  text: string;
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
 * Decides which message an arrival belongs to, given the windows its fingerprint has opened (every
 * one a late arrival may still need: see `keptWindows`): the message of the window it falls in, or
 * of the window it precedes by at most one window length (out of order: a slow retry, a redrive);
 * else a new message, named after the arrival, that opens a window of its own.
 */
export function decideMessage(
  windows: readonly DedupeWindow[],
  arrival: Pick<InboundArrival, "arrivalId" | "receivedAt">,
  windowMs: number,
): WindowDecision {
  const arrivedMs = Date.parse(arrival.receivedAt);
  // The arrival that opened a window, seen again (SQS redelivers at least once).
  const opened = windows.find((window) => window.messageId === arrival.arrivalId);
  if (opened) return { messageId: opened.messageId };
  const containing = windows.find(
    (window) => Date.parse(window.firstArrivalAt) <= arrivedMs && arrivedMs < Date.parse(window.windowEndsAt),
  );
  if (containing) return { messageId: containing.messageId };
  const following = windows
    .filter((window) => {
      const firstMs = Date.parse(window.firstArrivalAt);
      return arrivedMs < firstMs && arrivedMs >= firstMs - windowMs;
    })
    .sort(byFirstArrival)[0];
  if (following) return { messageId: following.messageId };
  return {
    messageId: arrival.arrivalId,
    openWindow: {
      messageId: arrival.arrivalId,
      firstArrivalAt: arrival.receivedAt,
      windowEndsAt: new Date(arrivedMs + windowMs).toISOString(),
    },
  };
}

/** Bounds a fingerprint's window list whatever a sender does (a window is at least one apart from the next). */
export const maxKeptWindows = 500;

/**
 * The windows worth keeping once an arrival is processed: those an arrival still in the queues could
 * fall in. A queued request lives at most `lifetimeMs` after its arrival, so a window that ended
 * longer than that before this arrival can never be matched again.
 */
export function keptWindows(windows: readonly DedupeWindow[], arrivedAt: string, lifetimeMs: number): DedupeWindow[] {
  const oldestUseful = Date.parse(arrivedAt) - lifetimeMs;
  return windows
    .filter((window) => Date.parse(window.windowEndsAt) >= oldestUseful)
    .sort(byFirstArrival)
    .slice(-maxKeptWindows);
}

const byFirstArrival = (a: DedupeWindow, b: DedupeWindow) => a.firstArrivalAt.localeCompare(b.firstArrivalAt);

/**
 * Counts an arrival on its message's record, creating the record with the first arrival seen.
 * Returns undefined when the record lists this arrival already. (An arrival counted long ago
 * may have left the capped list; recordInboundArrival's marker catches those.)
 */
export function countArrival(
  current: InboundMessageRecord | undefined,
  arrival: InboundArrival,
  messageId: string,
  fingerprint: string,
): InboundMessageRecord | undefined {
  const entry = { deliveryId: arrival.arrivalId, arrivedAt: arrival.receivedAt };
  if (current === undefined) {
    const { sms } = arrival;
    return {
      messageId,
      sender: sms.sender.e164,
      senderAsSent: sms.sender.asSent,
      recipient: sms.recipient.e164,
      recipientAsSent: sms.recipient.asSent,
      prefix: sms.prefix,
      text: sms.text,
      fields: sms.fields,
      ...(Object.keys(sms.undecodable).length > 0 ? { undecodableFields: sms.undecodable } : {}),
      charset: sms.charset,
      bodyFormat: sms.format,
      flags: sms.flags,
      deliveryCount: 1,
      firstArrivalAt: arrival.receivedAt,
      lastArrivalAt: arrival.receivedAt,
      deliveries: [entry],
      fingerprint,
    };
  }
  if (current.deliveries.some((listed) => listed.deliveryId === arrival.arrivalId)) return undefined;
  const deliveries = [...current.deliveries, entry]
    .sort((a, b) => a.arrivedAt.localeCompare(b.arrivedAt))
    .slice(-maxListedDeliveries);
  return {
    ...current,
    deliveryCount: current.deliveryCount + 1,
    firstArrivalAt: earlier(current.firstArrivalAt, arrival.receivedAt),
    lastArrivalAt: later(current.lastArrivalAt, arrival.receivedAt),
    deliveries,
  };
}

const earlier = (a: string, b: string) => (Date.parse(a) <= Date.parse(b) ? a : b);
const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);
