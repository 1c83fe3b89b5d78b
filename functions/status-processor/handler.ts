import { deliveryReportStore } from "../adapters/delivery-report-store.ts";
import { readProcessorConfig } from "../config/processor.ts";
import { metrics as metricNames } from "../contract.ts";
import { clip, functionMetrics, logger } from "../observability.ts";
import { envelopeProcessor } from "../sqs/envelope-processor.ts";
import { recordStatusCallback } from "../use-cases/record-status-callback.ts";

const metrics = functionMetrics();
const { settings, tableNames } = readProcessorConfig(["deliveryReports", "dedupe", "rejectedRequests"]);
const deliveryReports = deliveryReportStore(tableNames);

/** Folds each queued status callback into its message's delivery record; keeps rejected requests. */
export const handler = envelopeProcessor(
  { settings, rejectedRequestsTable: tableNames.rejectedRequests, metrics },
  {
    "status-callback": async ({ arrival }) => {
      const recorded = await recordStatusCallback(arrival, deliveryReports);
      logger.info("status callback stored", {
        arrivalId: arrival.arrivalId,
        apiRequestId: arrival.apiRequestId,
        recordId: clip(recorded.recordId, 48),
        outcome: recorded.report?.outcome,
        callbackCount: recorded.report?.callbackCount,
        counted: recorded.counted,
      });
      if (!recorded.counted) return;
      metrics.count(metricNames.names.callbacksStored);
      const firstCallbackAt = recorded.report?.firstCallbackAt ?? arrival.receivedAt;
      metrics.seconds(
        metricNames.names.callbackLateness,
        (Date.parse(arrival.receivedAt) - Date.parse(firstCallbackAt)) / 1000,
      );
      if (recorded.report?.flags.includes("CONFLICTING_FINAL_RESULTS"))
        metrics.count(metricNames.names.conflictingResults);
    },
  },
);
