import { type ConsumerId, metrics } from "../topology.ts";
import type { ProcessorDashboard } from "./queue-consumer.ts";

/**
 * What the dashboard shows of each processor's own metrics, beside what every consumer gets
 * (errors, throttles, failed records, its alarm). Which metrics a handler emits is its code's
 * business; a consumer without an entry here is still fully watched.
 */
export const processorMetrics: Partial<Record<ConsumerId, ProcessorDashboard>> = {
  inboundProcessor: {
    outcomes: [
      { metric: metrics.names.inboundStored, label: "stored (new messages)" },
      { metric: metrics.names.duplicatesAbsorbed, label: "duplicates absorbed (retries)" },
    ],
  },
  statusProcessor: {
    outcomes: [
      { metric: metrics.names.callbacksStored, label: "stored" },
      { metric: metrics.names.conflictingResults, label: "conflicting final results" },
      { metric: metrics.names.callbacksUnmatched, label: "for no message sent here (yet): kept as orphans" },
    ],
    graphs: [
      {
        title: "Callback lateness (s since the message's first callback)",
        lines: [
          { metric: metrics.names.callbackLateness, statistic: "Average", label: "average" },
          { metric: metrics.names.callbackLateness, statistic: "Maximum", label: "max" },
        ],
      },
    ],
  },
  // Drawn on the outbox's traffic graph, beside the sends requested.
  sender: {
    outcomes: [
      { metric: metrics.names.sendsAccepted, label: "accepted by ToBeText" },
      { metric: metrics.names.sendsRefused, label: "refused (by ToBeText, or before it)" },
      { metric: metrics.names.sendsUnknown, label: "unknown (no answer in time; never resent)" },
      { metric: metrics.names.sendsHeld, label: "held (CKey already taken: not sent again)" },
    ],
  },
};
