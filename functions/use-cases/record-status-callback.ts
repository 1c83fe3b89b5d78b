import {
  countCallback,
  type DeliveryReport,
  type ListedCallback,
  listingOrder,
  maxListedCallbacks,
} from "../domain/delivery-report.ts";
import type { CallbackArrival } from "../domain/envelope.ts";
import type { SentMessage } from "../domain/sent-message.ts";
import { deliveryRecordIdOf } from "../domain/status-callback.ts";
import { type ArrivalMarkers, dedupeStateLifetimeMs } from "./arrival-markers.ts";

/** A delivery record as stored: the report, and what recognising a redelivery needs beyond it. */
export interface StoredDeliveryReport extends DeliveryReport {
  /**
   * Callbacks counted on this record that `callbacks` does not list (they arrived before every
   * listed one) and that have no marker yet. The next write marks them; so at most one.
   */
  callbacksToMark?: ListedCallback[];
}

/** What recording a callback needs from storage; adapters/delivery-report-store.ts provides it. */
export interface DeliveryReportPorts extends ArrivalMarkers {
  /**
   * Optimistic read-modify-write of one record: `change` (which may use the markers) gets the
   * current record and returns the next, or undefined to leave it; it runs again when a
   * concurrent writer got there first.
   */
  updateReport(
    recordId: string,
    change: (current: StoredDeliveryReport | undefined) => Promise<StoredDeliveryReport | undefined>,
  ): Promise<StoredDeliveryReport | undefined>;
}

export interface RecordedCallback {
  recordId: string;
  /** False when this callback was already counted (an SQS redelivery). */
  counted: boolean;
  /** The record with this callback counted; undefined when it was already. */
  report: DeliveryReport | undefined;
  /** The sent message it reports on, as read before the record was written (see `findSent`). */
  sent: SentMessage | undefined;
  /**
   * The record as stored: `report` when this callback was counted, else the record that showed it
   * counted already (an SQS redelivery resumes from it, without reading it again).
   */
  stored: StoredDeliveryReport | undefined;
}

/**
 * Finds the sent message a record reports on (use-cases/settle-sent-message.ts), or none. Not asked
 * again for a record its CKey already left an orphan (`knownOrphan`).
 */
export type FindSentMessage = (report: DeliveryReport) => Promise<SentMessage | undefined>;

/**
 * Records one status callback exactly once on its message's delivery record (keyed by MsgId,
 * else CKey), creating the record if this system holds none. Running it again for the same
 * callback changes nothing.
 *
 * The record itself recognises the callbacks it counted: it lists the latest ones (`callbacks`),
 * and those it counted but lists no more have a marker in the dedupe table, written before the
 * record stops listing them. So a callback costs one read and one conditional write of the
 * record, a redelivery of a listed one the read alone; only a record that had to stop listing
 * callbacks has markers to write, and to read for a callback that arrived before all it lists.
 */
export async function recordStatusCallback(
  arrival: CallbackArrival,
  ports: DeliveryReportPorts,
  findSent?: FindSentMessage,
): Promise<RecordedCallback> {
  const recordId = deliveryRecordIdOf(arrival.callback);
  let counted = false;
  let sent: SentMessage | undefined;
  let seen: StoredDeliveryReport | undefined;
  const report = await ports.updateReport(recordId, async (current) => {
    counted = false;
    seen = current;
    if (current !== undefined && (await alreadyCounted(current, arrival, ports))) return undefined;
    const counting = countCallback(current, arrival, recordId);
    if (counting === undefined) return undefined;
    // Which sent message it reports on, written with the count: an orphan costs no second write.
    // A record joined already names its sent message: found by that CKey, with no index read.
    const joinedBefore = current?.sentCKey === undefined ? counting : { ...counting, sentCKey: current.sentCKey };
    sent = findSent && !knownOrphan(current, counting) ? await findSent(joinedBefore) : undefined;
    const joined = sent?.ckey ?? current?.sentCKey;
    const next: DeliveryReport = {
      ...counting,
      ...(joined !== undefined ? { sentCKey: joined } : findSent || current?.orphan ? { orphan: true } : {}),
    };
    // Marked before the record stops listing them: they are counted in `current` already, so a
    // marker is true even if this put then loses to a concurrent writer.
    const listed = new Set(next.callbacks.map((listed) => listed.deliveryId));
    const leaving = [...(current?.callbacks ?? []), ...(current?.callbacksToMark ?? [])].filter(
      (callback) => !listed.has(callback.deliveryId),
    );
    await Promise.all(
      leaving.map((callback) =>
        ports.rememberAssignment(callback.deliveryId, { recordId, counted: true }, keepMarkerUntil(callback)),
      ),
    );
    counted = true;
    // A callback older than every listed one is counted unlisted; it is marked on the next write.
    return listed.has(arrival.arrivalId)
      ? next
      : { ...next, callbacksToMark: [{ deliveryId: arrival.arrivalId, arrivedAt: arrival.receivedAt }] };
  });
  return {
    recordId,
    counted,
    report: counted ? report : undefined,
    sent: counted ? sent : undefined,
    stored: counted ? report : seen,
  };
}

/**
 * Whether the record is an orphan that its CKey already failed to join: looking again would find
 * nothing. A CKey's sent message is reserved before ToBeText has the message, so before any of its
 * callbacks; once a callback's look-up by the CKey found none, the CKey is no message this stack
 * sent, and one reserved under it later would be a different message (CKeys are unique per
 * message). An orphan known by its MsgId alone keeps looking: the sender may store its answer, and
 * the MsgId, later (it and the result sweep join those too), and a CKey a later callback brings
 * has not been looked up yet.
 */
function knownOrphan(current: DeliveryReport | undefined, counting: DeliveryReport): boolean {
  return (
    current?.orphan === true &&
    current.sentCKey === undefined &&
    current.cKey !== undefined &&
    counting.cKey === current.cKey
  );
}

/**
 * Whether the record counted this callback already: it lists it, or a marker says so. Only a
 * record that counted callbacks it no longer lists has markers to look at, and only for a
 * callback not after its oldest listed one: a full list holds the latest of all it counted, so a
 * later one it does not list was never counted. (Records of the previous version, which marked every
 * callback, count as having unlisted ones once they counted more than they list.)
 */
async function alreadyCounted(
  current: StoredDeliveryReport,
  arrival: CallbackArrival,
  ports: ArrivalMarkers,
): Promise<boolean> {
  const toMark = current.callbacksToMark ?? [];
  if ([...current.callbacks, ...toMark].some((listed) => listed.deliveryId === arrival.arrivalId)) return true;
  if (current.callbackCount <= current.callbacks.length + toMark.length) return false;
  const self = { deliveryId: arrival.arrivalId, arrivedAt: arrival.receivedAt };
  const listsItsLatest = current.callbacks.length >= maxListedCallbacks;
  if (listsItsLatest && current.callbacks.some((listed) => listingOrder(listed, self) < 0)) return false;
  const marker = await ports.findAssignment(arrival.arrivalId);
  return marker?.counted === true && marker.recordId === current.recordId;
}

const keepMarkerUntil = (callback: ListedCallback) => new Date(Date.parse(callback.arrivedAt) + dedupeStateLifetimeMs);
