import type { CallbackArrival, Outcome, ReportedNumber, StatusCallback } from "./envelope.ts";

/** One distinct result reported for a message, however many times it came. */
export interface ReportedResult {
  status: string;
  errorCode: string;
  errorMeaning: string;
  errorMsg: string;
  outcome: Outcome;
  firstArrivalAt: string;
  lastArrivalAt: string;
  count: number;
  /** Every field of the first callback that reported it. */
  fields: Record<string, string>;
}

/** CONFLICTING_FINAL_RESULTS: Success and Failed both reported. RESULTS_UNLISTED: more distinct results than a record lists. */
export type ReportFlag = "CONFLICTING_FINAL_RESULTS" | "RESULTS_UNLISTED";

/** The stored delivery record of one sent message. */
export interface DeliveryReport {
  recordId: string;
  msgId?: string;
  cKey?: string;
  sendNum?: ReportedNumber;
  recvNum?: ReportedNumber;
  /** The current result: the first final one to arrive, else the latest to arrive. */
  status: string;
  outcome: Outcome;
  final: boolean;
  errorCode: string;
  errorMeaning: string;
  errorMsg: string;
  history: ReportedResult[];
  /** Callbacks whose results are no longer listed (see `maxListedResults`); the history's counts and this add up to callbackCount. */
  unlistedCallbacks?: number;
  callbackCount: number;
  firstCallbackAt: string;
  lastCallbackAt: string;
  flags: ReportFlag[];
  /** The latest callbacks' arrival ids, as `deliveryId` (stored name), at most `maxListedCallbacks`. */
  callbacks: ListedCallback[];
  /** The CKey of the sent message (sentMessages) this record reports on, once joined. */
  sentCKey?: string;
  /** Set while no message this system sent is known for it: a message sent elsewhere, or not joined yet. */
  orphan?: true;
}

export interface ListedCallback {
  deliveryId: string;
  arrivedAt: string;
}

export const maxListedCallbacks = 100;
/**
 * Bounds the record (DynamoDB items stop at 400 KB) whatever distinct results a flood of callbacks
 * reports: each entry keeps its first callback's fields, at most two UTF-8 bytes per byte of a
 * body the route limits. Final results are listed first, so the current result always is.
 */
export const maxListedResults = 8;

/**
 * The order callbacks are listed in: by arrival, ties by arrival id. A record lists the last
 * `maxListedCallbacks` of every callback it counted in this order.
 */
export const listingOrder = (a: ListedCallback, b: ListedCallback) =>
  a.arrivedAt.localeCompare(b.arrivedAt) || a.deliveryId.localeCompare(b.deliveryId);

const isFinal = (outcome: Outcome) => outcome !== "unknown";
const sameResult = (entry: ReportedResult, callback: StatusCallback) =>
  entry.status === callback.status && entry.errorCode === callback.errorCode && entry.errorMsg === callback.errorMsg;

/**
 * Counts a callback on its message's delivery record. The record is a function of the set of
 * callbacks, not of their order: the current result is the first final result to arrive (so a
 * repeat or an older result never overwrites it), else the latest to arrive; final results
 * that disagree (Failed and Success) are all kept in the history and the record is flagged.
 * Returns undefined when the record lists this callback already.
 */
export function countCallback(
  current: DeliveryReport | undefined,
  arrival: CallbackArrival,
  recordId: string,
): DeliveryReport | undefined {
  if (current?.callbacks.some((listed) => listed.deliveryId === arrival.arrivalId)) return undefined;
  const { callback, receivedAt } = arrival;
  const { listed: history, unlisted } = bounded(addToHistory(current?.history ?? [], callback, receivedAt));
  const unlistedCallbacks = (current?.unlistedCallbacks ?? 0) + unlisted;
  const chosen = currentResult(history);
  const finalOutcomes = new Set(history.filter((entry) => isFinal(entry.outcome)).map((entry) => entry.outcome));
  const callbacks = [...(current?.callbacks ?? []), { deliveryId: arrival.arrivalId, arrivedAt: receivedAt }]
    .sort(listingOrder)
    .slice(-maxListedCallbacks);
  return {
    recordId,
    ...identityOf(current, callback, receivedAt),
    status: chosen.status,
    outcome: chosen.outcome,
    final: isFinal(chosen.outcome),
    errorCode: chosen.errorCode,
    errorMeaning: chosen.errorMeaning,
    errorMsg: chosen.errorMsg,
    history,
    ...(unlistedCallbacks > 0 ? { unlistedCallbacks } : {}),
    callbackCount: (current?.callbackCount ?? 0) + 1,
    firstCallbackAt: earlier(current?.firstCallbackAt, receivedAt),
    lastCallbackAt: later(current?.lastCallbackAt, receivedAt),
    flags: [
      ...(finalOutcomes.size > 1 ? (["CONFLICTING_FINAL_RESULTS"] as const) : []),
      ...(unlistedCallbacks > 0 ? (["RESULTS_UNLISTED"] as const) : []),
    ],
    callbacks,
  };
}

function addToHistory(history: ReportedResult[], callback: StatusCallback, receivedAt: string): ReportedResult[] {
  const existing = history.find((entry) => sameResult(entry, callback));
  const updated: ReportedResult = existing
    ? {
        ...existing,
        count: existing.count + 1,
        firstArrivalAt: earlier(existing.firstArrivalAt, receivedAt),
        lastArrivalAt: later(existing.lastArrivalAt, receivedAt),
        // The fields of the first callback to arrive with this result, whichever was processed first.
        fields: comesFirst(receivedAt, callback.fields, existing.firstArrivalAt, existing.fields)
          ? callback.fields
          : existing.fields,
      }
    : {
        status: callback.status,
        errorCode: callback.errorCode,
        errorMeaning: callback.errorMeaning,
        errorMsg: callback.errorMsg,
        outcome: callback.outcome,
        firstArrivalAt: receivedAt,
        lastArrivalAt: receivedAt,
        count: 1,
        fields: callback.fields,
      };
  return [...history.filter((entry) => entry !== existing), updated].sort(byFirstArrival);
}

/** The results a record lists: finals first (by first arrival), then the latest others; the rest only counted. */
function bounded(history: ReportedResult[]): { listed: ReportedResult[]; unlisted: number } {
  if (history.length <= maxListedResults) return { listed: history, unlisted: 0 };
  const finals = history.filter((entry) => isFinal(entry.outcome)).sort(byFirstArrival);
  const others = history.filter((entry) => !isFinal(entry.outcome)).sort(byLastArrivalDescending);
  const kept = new Set([...finals, ...others].slice(0, maxListedResults));
  return {
    listed: history.filter((entry) => kept.has(entry)),
    unlisted: history.filter((entry) => !kept.has(entry)).reduce((sum, entry) => sum + entry.count, 0),
  };
}

// Ties broken by the result itself, so the outcome never depends on processing order.
const resultKey = (entry: ReportedResult) => `${entry.status}\u0000${entry.errorCode}\u0000${entry.errorMsg}`;
const byFirstArrival = (a: ReportedResult, b: ReportedResult) =>
  a.firstArrivalAt.localeCompare(b.firstArrivalAt) || resultKey(a).localeCompare(resultKey(b));
const byLastArrivalDescending = (a: ReportedResult, b: ReportedResult) =>
  b.lastArrivalAt.localeCompare(a.lastArrivalAt) || resultKey(a).localeCompare(resultKey(b));

function currentResult(history: ReportedResult[]): ReportedResult {
  const firstFinal = [...history].sort(byFirstArrival).find((entry) => isFinal(entry.outcome));
  if (firstFinal) return firstFinal;
  const latest = [...history].sort(byLastArrivalDescending)[0];
  if (!latest) throw new Error("a delivery record always has a result");
  return latest;
}

/**
 * MsgId, CKey and numbers as the first callback to arrive gave them (whichever was processed
 * first), completed by the others where it had none.
 */
function identityOf(current: DeliveryReport | undefined, callback: StatusCallback, receivedAt: string) {
  const incoming = definedOnly({
    msgId: callback.msgId,
    cKey: callback.cKey,
    sendNum: callback.sendNum,
    recvNum: callback.recvNum,
  });
  if (current === undefined) return incoming;
  const kept = definedOnly({
    msgId: current.msgId,
    cKey: current.cKey,
    sendNum: current.sendNum,
    recvNum: current.recvNum,
  });
  return comesFirst(receivedAt, incoming, current.firstCallbackAt, kept)
    ? { ...kept, ...incoming }
    : { ...incoming, ...kept };
}

/** The entries whose value is defined: optional fields stay absent rather than `undefined`. */
export function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Earlier arrival first; at the same instant, the smaller value, so processing order never decides. */
function comesFirst(arrivedAt: string, value: unknown, otherArrivedAt: string, otherValue: unknown): boolean {
  if (arrivedAt !== otherArrivedAt) return arrivedAt < otherArrivedAt;
  return JSON.stringify(value) < JSON.stringify(otherValue);
}

const earlier = (a: string | undefined, b: string) => (a !== undefined && a <= b ? a : b);
const later = (a: string | undefined, b: string) => (a !== undefined && a >= b ? a : b);
