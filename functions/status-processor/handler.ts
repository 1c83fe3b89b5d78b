import { deliveryReportLinks, deliveryReportStore } from "../adapters/delivery-report-store.ts";
import { snsEventPublisher } from "../adapters/event-publisher.ts";
import { sentMessageStore } from "../adapters/sent-message-store.ts";
import { readEventsTopicArn } from "../config/events.ts";
import { readProcessorConfig } from "../config/processor.ts";
import { metrics as metricNames } from "../contract.ts";
import { clip, functionMetrics, logger } from "../observability.ts";
import { envelopeProcessor } from "../sqs/envelope-processor.ts";
import { recordStatusCallback } from "../use-cases/record-status-callback.ts";
import { sentMessageOf, settleRecordedCallback } from "../use-cases/settle-sent-message.ts";

const metrics = functionMetrics();
const { settings, tableNames } = readProcessorConfig(["deliveryReports", "dedupe", "rejectedRequests", "sentMessages"]);
const deliveryReports = deliveryReportStore(tableNames);
const sentMessages = sentMessageStore(tableNames.sentMessages);
const reportLinks = deliveryReportLinks(tableNames.deliveryReports);
const joinPorts = { ...sentMessages, ...reportLinks, events: snsEventPublisher(readEventsTopicArn()) };

/**
 * Folds each queued status callback into its message's delivery record, and the record into the
 * sent message it reports on (by its CKey when it has one, else its MsgId); keeps rejected requests.
 */
export const handler = envelopeProcessor(
  { settings, rejectedRequestsTable: tableNames.rejectedRequests, metrics },
  {
    "status-callback": async ({ arrival }) => {
      const recorded = await recordStatusCallback(arrival, deliveryReports, (report) =>
        sentMessageOf(report, sentMessages),
      );
      const { report, sent } = recorded;
      const applied = await settleRecordedCallback(recorded, joinPorts);
      logger.info("status callback stored", {
        arrivalId: arrival.arrivalId,
        apiRequestId: arrival.apiRequestId,
        recordId: clip(recorded.recordId, 48),
        outcome: report?.outcome,
        callbackCount: report?.callbackCount,
        counted: recorded.counted,
        ...(report ? { sent: sent ? (applied ?? "unchanged") : "orphan" } : applied ? { resumed: applied } : {}),
      });
      if (!recorded.counted || !report) return;
      metrics.count(metricNames.names.callbacksStored);
      if (!sent) metrics.count(metricNames.names.callbacksUnmatched);
      if (applied === "result") {
        metrics.count(report.outcome === "delivered" ? metricNames.names.sentDelivered : metricNames.names.sentFailed);
      }
      const firstCallbackAt = report.firstCallbackAt ?? arrival.receivedAt;
      metrics.seconds(
        metricNames.names.callbackLateness,
        (Date.parse(arrival.receivedAt) - Date.parse(firstCallbackAt)) / 1000,
      );
      if (report.flags.includes("CONFLICTING_FINAL_RESULTS")) metrics.count(metricNames.names.conflictingResults);
    },
  },
);
