import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { deliveryReportLinks } from "../adapters/delivery-report-store.ts";
import { snsEventPublisher } from "../adapters/event-publisher.ts";
import { sentMessageStore } from "../adapters/sent-message-store.ts";
import { readEventsTopicArn } from "../config/events.ts";
import { readProcessorConfig } from "../config/processor.ts";
import { metrics as metricNames } from "../contract.ts";
import { functionMetrics, logger, useLogLevel } from "../observability.ts";
import { expireOverdue } from "../use-cases/expire-overdue.ts";

const metrics = functionMetrics();
const { settings, tableNames } = readProcessorConfig(["sentMessages", "deliveryReports"]);
useLogLevel(settings.logLevel);
const ports = {
  ...sentMessageStore(tableNames.sentMessages),
  ...deliveryReportLinks(tableNames.deliveryReports),
  events: snsEventPublisher(readEventsTopicArn()),
};

/** Run on a schedule: every sent message overdue for its final result gets one (README "Sending"). */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics.emf))
  .handler(async () => {
    const counts = await expireOverdue(new Date(), ports);
    if (counts.expired > 0) metrics.count(metricNames.names.sentExpired, counts.expired);
    if (counts.settled.delivered > 0) metrics.count(metricNames.names.sentDelivered, counts.settled.delivered);
    if (counts.settled.failed > 0) metrics.count(metricNames.names.sentFailed, counts.settled.failed);
    logger.info("result sweep done", { ...counts });
    return counts;
  });
