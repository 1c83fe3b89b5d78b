import middy from "@middy/core";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { metrics, tables } from "../contract.ts";
import { deliveryReportStore } from "../adapters/delivery-report-store.ts";
import { envelopeProcessor } from "../shared/envelope-processor.ts";
import { emitMetric, logger } from "../shared/logger.ts";
import { requiredSetting } from "../shared/settings.ts";
import { recordStatusCallback } from "../use-cases/record-status-callback.ts";

const deliveryReports = deliveryReportStore({
  deliveryReports: requiredSetting(tables.deliveryReports.nameSetting),
  dedupe: requiredSetting(tables.dedupe.nameSetting),
});
const rejectedRequestsTable = requiredSetting(tables.rejectedRequests.nameSetting);

/** Folds each queued status callback into its message's delivery record; keeps rejected requests. */
export const handler = middy<SQSEvent, SQSBatchResponse>().handler(
  envelopeProcessor(rejectedRequestsTable, {
    "status-callback": async ({ delivery }) => {
      const recorded = await recordStatusCallback(delivery, deliveryReports);
      logger.info("status callback stored", {
        deliveryId: delivery.deliveryId,
        recordId: recorded.recordId,
        outcome: recorded.report?.outcome,
        callbackCount: recorded.report?.callbackCount,
        counted: recorded.counted,
      });
      if (!recorded.counted) return;
      emitMetric(metrics.names.callbacksStored);
      const firstCallbackAt = recorded.report?.firstCallbackAt ?? delivery.receivedAt;
      emitMetric(metrics.names.callbackLateness, {
        value: (Date.parse(delivery.receivedAt) - Date.parse(firstCallbackAt)) / 1000,
        unit: "Seconds",
      });
      if (recorded.report?.flags.includes("CONFLICTING_FINAL_RESULTS")) emitMetric(metrics.names.conflictingResults);
    },
  }),
);
