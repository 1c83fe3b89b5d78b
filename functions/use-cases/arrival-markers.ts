import { maxEnvelopeAgeDays } from "../contract.ts";

/**
 * Per-arrival markers: which record an arrival (one HTTP request, one queued envelope) was
 * assigned to, and whether it has been counted there. SQS delivers at least once; the marker
 * is what makes processing an arrival twice change nothing.
 */
export interface ArrivalAssignment {
  recordId: string;
  counted: boolean;
}

export interface ArrivalMarkers {
  findAssignment(arrivalId: string): Promise<ArrivalAssignment | undefined>;
  rememberAssignment(arrivalId: string, assignment: ArrivalAssignment, keepUntil: Date): Promise<void>;
}

/**
 * How long dedupe state (markers, windows) outlives what it describes: as long as a queued request
 * can still be processed (in its queue, then its dead-letter queue, then redriven), and a day more.
 * A redrive is then as safe on the last day a dead letter lives as on the first.
 */
export const dedupeStateLifetimeMs = (maxEnvelopeAgeDays + 1) * 86_400_000;
