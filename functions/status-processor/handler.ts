import { deliveryReportStore } from "../adapters/delivery-report-store.ts";
import { readProcessorConfig } from "../config/processor.ts";
import { metrics } from "../contract.ts";
import { countMetric, logger, secondsMetric } from "../observability.ts";
import { envelopeProcessor } from "../sqs/envelope-processor.ts";
import { recordStatusCallback } from "../use-cases/record-status-callback.ts";

const { settings, tableNames } = readProcessorConfig(["deliveryReports", "dedupe", "rejectedRequests"]);
const deliveryReports = deliveryReportStore(tableNames);

/** Folds each queued status callback into its message's delivery record; keeps rejected requests. */
export const handler = envelopeProcessor(
  { settings, rejectedRequestsTable: tableNames.rejectedRequests },
  {
    "status-callback": async ({ arrival }) => {
      const recorded = await recordStatusCallback(arrival, deliveryReports);
      logger.info("status callback stored", {
        arrivalId: arrival.arrivalId,
        recordId: recorded.recordId,
        outcome: recorded.report?.outcome,
        callbackCount: recorded.report?.callbackCount,
        counted: recorded.counted,
      });
      if (!recorded.counted) return;
      countMetric(metrics.names.callbacksStored);
      const firstCallbackAt = recorded.report?.firstCallbackAt ?? arrival.receivedAt;
      secondsMetric(
        metrics.names.callbackLateness,
        (Date.parse(arrival.receivedAt) - Date.parse(firstCallbackAt)) / 1000,
      );
      if (recorded.report?.flags.includes("CONFLICTING_FINAL_RESULTS")) countMetric(metrics.names.conflictingResults);
    },
  },
);
