import type { InboundArrival } from "../domain/envelope.ts";
import {
  countArrival,
  type DedupeWindow,
  decideMessage,
  type InboundMessageRecord,
  keptWindows,
} from "../domain/inbound-message.ts";
import { fingerprintOf } from "../domain/inbound-sms.ts";
import { type ArrivalMarkers, dedupeStateLifetimeMs } from "./arrival-markers.ts";

/** What recording an arrival needs from storage; adapters/inbound-store.ts provides it. */
export interface InboundMessagePorts extends ArrivalMarkers {
  /** Changes the windows a fingerprint has opened; `keepUntil` says how long the new list must be kept. */
  updateWindows(
    fingerprint: string,
    change: (windows: DedupeWindow[]) => DedupeWindow[] | undefined,
    keepUntil: (windows: DedupeWindow[]) => Date,
  ): Promise<void>;
  updateMessage(
    messageId: string,
    change: (current: InboundMessageRecord | undefined) => InboundMessageRecord | undefined,
  ): Promise<InboundMessageRecord | undefined>;
}

export interface RecordedArrival {
  messageId: string;
  /** False when this arrival was already counted (an SQS redelivery). */
  counted: boolean;
  /** True when it was counted on a message that other deliveries had already made: a retry or repeat. */
  duplicate: boolean;
  record: InboundMessageRecord | undefined;
}

/**
 * Records one arrival of an inbound SMS exactly once: an arrival with the same sender,
 * receiving number and Body as one that opened a dedupe window is counted on that message;
 * otherwise it starts a new message. Running it again for the same arrival changes nothing.
 */
export async function recordInboundArrival(
  arrival: InboundArrival,
  ports: InboundMessagePorts,
  dedupeWindowMs: number,
): Promise<RecordedArrival> {
  const fingerprint = fingerprintOf(arrival.sms);
  const keepUntil = new Date(Date.parse(arrival.receivedAt) + dedupeWindowMs + dedupeStateLifetimeMs);

  const assignment = await ports.findAssignment(arrival.arrivalId);
  // Counted before: the marker says so even when the record no longer lists this arrival.
  if (assignment?.counted) {
    return { messageId: assignment.recordId, counted: false, duplicate: false, record: undefined };
  }

  let messageId = assignment?.recordId;
  if (messageId === undefined) {
    let decided = arrival.arrivalId;
    await ports.updateWindows(
      fingerprint,
      (windows) => {
        const decision = decideMessage(windows, arrival, dedupeWindowMs);
        decided = decision.messageId;
        return (
          decision.openWindow &&
          keptWindows([...windows, decision.openWindow], arrival.receivedAt, dedupeStateLifetimeMs)
        );
      },
      (windows) =>
        new Date(Math.max(...windows.map((window) => Date.parse(window.windowEndsAt))) + dedupeStateLifetimeMs),
    );
    messageId = decided;
    await ports.rememberAssignment(arrival.arrivalId, { recordId: messageId, counted: false }, keepUntil);
  }

  let counted = false;
  const assignedId = messageId;
  const record = await ports.updateMessage(assignedId, (current) => {
    const next = countArrival(current, arrival, assignedId, fingerprint);
    counted = next !== undefined;
    return next;
  });
  await ports.rememberAssignment(arrival.arrivalId, { recordId: messageId, counted: true }, keepUntil);
  return { messageId, counted, duplicate: counted && (record?.deliveryCount ?? 0) > 1, record };
}
