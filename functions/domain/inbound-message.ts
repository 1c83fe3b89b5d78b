import type { InboundArrival, InboundFlag } from "./envelope.ts";

/**
 * The stored record of one inbound SMS: every arrival of the same SMS (sender, receiving number
 * and Body) inside its dedupe window counts on it.
 */
export interface InboundMessageRecord extends MessageContent, ArrivalWindow {
  messageId: string;
  deliveryCount: number;
  /** The earliest arrival's time (the indexes sort by it). */
  firstArrivalAt: string;
  /** Every arrival counted, as `<receivedAt> <arrivalId>` (see `arrivalEntry`): at most `maxArrivalsPerRecord`. */
  arrivals: string[];
}

/** What the first arrival gives a record; later arrivals of the same SMS carry the same. */
export interface MessageContent {
  sender: string;
  senderAsSent: string;
  recipient: string;
  recipientAsSent: string;
  prefix: string;
  /** The message without its prefix; `fields.Body` holds Body as received (prefix and text). */
  text: string;
  /** Every field as received, Body included. */
  fields: Record<string, string>;
  undecodableFields?: Record<string, string>;
  charset: string;
  bodyFormat: string;
  flags: InboundFlag[];
  /** SHA-256 of sender, receiving number and Body (inbound-sms.ts `fingerprintOf`). */
  fingerprint: string;
}

/**
 * The arrivals a record takes: those received from one window length before its first arrival
 * to one window length after it (a retry comes after the first, a slow retry or a redriven one
 * may be processed before it). Fixed when the record is made.
 */
export interface ArrivalWindow {
  windowFrom: string;
  windowUntil: string;
}

/**
 * Bounds a record whatever a flood of one SMS does (DynamoDB items stop at 400 KB): the record
 * lists every arrival it counts, so it takes at most this many; more arrivals of the same SMS in
 * the same window go on to a record of their own with the same window (a continuation).
 * ToBeText itself sends an SMS at most 4 times.
 */
export const maxArrivalsPerRecord = 100;

/** An arrival as a record lists it: its time first, so that the list sorts by time. */
export const arrivalEntry = (arrival: Pick<InboundArrival, "arrivalId" | "receivedAt">): string =>
  `${arrival.receivedAt} ${arrival.arrivalId}`;

/** The latest arrival's time: the last entry of the sorted list. */
export const lastArrivalOf = (record: Pick<InboundMessageRecord, "arrivals">): string | undefined =>
  [...record.arrivals].sort().at(-1)?.split(" ")[0];

/**
 * The record an SMS's first window goes to, named after its fingerprint, so that every arrival
 * of it finds the record with one write and no look-up.
 */
export const firstRecordIdOf = (fingerprint: string): string => fingerprint.slice(0, 32);

/** A record's content from the arrival that creates it. */
export function contentOf(arrival: InboundArrival, fingerprint: string): MessageContent {
  const { sms } = arrival;
  return {
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
    fingerprint,
  };
}

/** The window a record made by this arrival takes. */
export function windowAround(receivedAt: string, windowMs: number): ArrivalWindow {
  const arrivedMs = Date.parse(receivedAt);
  return {
    windowFrom: new Date(arrivedMs - windowMs).toISOString(),
    windowUntil: new Date(arrivedMs + windowMs).toISOString(),
  };
}

/**
 * What to do after a record refused an arrival, from the record as it now stands: nothing (the
 * arrival is on it already: an SQS redelivery), count it again (as usual, or moving the record's
 * first arrival back to this earlier one), or look elsewhere (outside the window, or the record is full).
 */
export type NextStep = "counted" | "as-usual" | "moving-first-back" | "elsewhere";

export function nextStepAfterRefusal(
  record: Pick<InboundMessageRecord, "arrivals" | "firstArrivalAt" | keyof ArrivalWindow>,
  arrival: Pick<InboundArrival, "arrivalId" | "receivedAt">,
): NextStep {
  if (record.arrivals.includes(arrivalEntry(arrival))) return "counted";
  if (!takes(record, arrival.receivedAt) || record.arrivals.length >= maxArrivalsPerRecord) return "elsewhere";
  return arrival.receivedAt < record.firstArrivalAt ? "moving-first-back" : "as-usual";
}

export const takes = (window: ArrivalWindow, receivedAt: string): boolean =>
  window.windowFrom <= receivedAt && receivedAt < window.windowUntil;

/** A record other than a first window's, as the fingerprint's window list names it. */
export interface ListedWindow extends ArrivalWindow {
  messageId: string;
}

/**
 * The records an arrival may count on, in the order to try them, when the first window's record
 * did not take it: the one it opened itself (seen again after a crash), then every record whose
 * window takes it, in the order they were listed. That order never changes (windows are only
 * appended, or dropped once useless), so an arrival seen again meets the record that counted it
 * before any that would count it twice: those before it were full then and stay full.
 * Empty: the arrival opens a window of its own.
 */
export function candidateRecords(
  windows: readonly ListedWindow[],
  arrival: Pick<InboundArrival, "arrivalId" | "receivedAt">,
): ListedWindow[] {
  const own = windows.filter((window) => window.messageId === arrival.arrivalId);
  const taking = windows.filter(
    (window) => window.messageId !== arrival.arrivalId && takes(window, arrival.receivedAt),
  );
  return [...own, ...taking];
}

/** Bounds a fingerprint's window list whatever a sender does. */
export const maxListedWindows = 500;

/**
 * The windows worth keeping once one is appended: those an arrival still in the queues could fall
 * in. A queued request lives at most `lifetimeMs` after its arrival, so a window that closed longer
 * than that before the newest arrival can never take one again. The order is kept (see candidateRecords).
 */
export function keptWindows(windows: readonly ListedWindow[], arrivedAt: string, lifetimeMs: number): ListedWindow[] {
  const oldestUseful = new Date(Date.parse(arrivedAt) - lifetimeMs).toISOString();
  return windows.filter((window) => window.windowUntil >= oldestUseful).slice(-maxListedWindows);
}
