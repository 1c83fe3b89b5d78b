import { countCallback, type DeliveryReport } from "../domain/delivery-report.ts";
import type { CallbackArrival } from "../domain/envelope.ts";
import { deliveryRecordIdOf } from "../domain/status-callback.ts";
import { type ArrivalMarkers, dedupeStateLifetimeMs } from "./arrival-markers.ts";

/** What recording a callback needs from storage; adapters/delivery-report-store.ts provides it. */
export interface DeliveryReportPorts extends ArrivalMarkers {
  updateReport(
    recordId: string,
    change: (current: DeliveryReport | undefined) => DeliveryReport | undefined,
  ): Promise<DeliveryReport | undefined>;
}

export interface RecordedCallback {
  recordId: string;
  /** False when this callback was already counted (an SQS redelivery). */
  counted: boolean;
  report: DeliveryReport | undefined;
}

/**
 * Records one status callback exactly once on its message's delivery record (keyed by MsgId,
 * else CKey), creating the record if this system holds none. Running it again for the same
 * callback changes nothing.
 */
export async function recordStatusCallback(
  arrival: CallbackArrival,
  ports: DeliveryReportPorts,
): Promise<RecordedCallback> {
  const recordId = deliveryRecordIdOf(arrival.callback);
  const keepUntil = new Date(Date.parse(arrival.receivedAt) + dedupeStateLifetimeMs);
  const assignment = await ports.findAssignment(arrival.arrivalId);
  if (assignment?.counted) return { recordId, counted: false, report: undefined };

  let counted = false;
  const report = await ports.updateReport(recordId, (current) => {
    const next = countCallback(current, arrival, recordId);
    counted = next !== undefined;
    return next;
  });
  await ports.rememberAssignment(arrival.arrivalId, { recordId, counted: true }, keepUntil);
  return { recordId, counted, report };
}
