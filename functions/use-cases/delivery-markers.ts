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

/** Markers outlive their use by a day, so late SQS redeliveries still find them. */
export const markerLifetimeMs = 24 * 3600_000;
