import { maxEnvelopeAgeDays } from "../contract.ts";

/**
 * Per-delivery markers: which record a delivery (one HTTP request, one queued envelope) was
 * assigned to, and whether it has been counted there. SQS delivers at least once; the marker
 * is what makes processing a delivery twice change nothing.
 */
export interface DeliveryAssignment {
  recordId: string;
  counted: boolean;
}

export interface DeliveryMarkers {
  findAssignment(deliveryId: string): Promise<DeliveryAssignment | undefined>;
  rememberAssignment(deliveryId: string, assignment: DeliveryAssignment, keepUntil: Date): Promise<void>;
}

/**
 * How long dedupe state (markers, windows) outlives what it describes: as long as a queued request
 * can still be processed (in its queue, then its dead-letter queue, then redriven), and a day more.
 * A redrive is then as safe on the last day a dead letter lives as on the first.
 */
export const dedupeStateLifetimeMs = (maxEnvelopeAgeDays + 1) * 86_400_000;
