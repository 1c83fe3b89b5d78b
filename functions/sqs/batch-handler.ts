import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { metrics as metricNames } from "../contract.ts";
import { type FunctionMetrics, logger } from "../observability.ts";

/**
 * An SQS handler with Powertools' batch processor: each record goes to `handle`; one that fails is
 * counted and logged, fails alone (batchItemFailures) and is dead-lettered after the queue's
 * maxReceiveCount; when every record fails, the invocation itself fails, so the errors alarm sees it.
 */
export function sqsBatchHandler(
  metrics: FunctionMetrics,
  handle: (record: SQSRecord) => Promise<void>,
  /** What a record is, in the failure's log line. */
  recordName = "record",
) {
  const processor = new BatchProcessor(EventType.SQS);

  async function processRecord(record: SQSRecord): Promise<void> {
    try {
      await handle(record);
    } catch (error) {
      metrics.count(metricNames.names.recordsFailed);
      logger.error(`${recordName} failed; it will be retried, then dead-lettered`, {
        messageId: record.messageId,
        receiveCount: Number(record.attributes.ApproximateReceiveCount),
        error,
      });
      throw error;
    }
  }

  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics.emf))
    .handler((event, context) => processPartialResponse(event, processRecord, processor, { context }));
}
