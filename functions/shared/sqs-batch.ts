import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import { metrics } from "../../infra/topology.ts";
import { emitMetric, logger } from "./logger.ts";

/**
 * Processes every record of an SQS batch on its own and reports the ones that failed, so one
 * bad record never holds up its batch-mates: the failed ones return to the queue and, after
 * the queue's maxReceiveCount, go to its dead-letter queue. Needs ReportBatchItemFailures on
 * the event source mapping.
 */
export async function processPartialBatch(
  records: SQSRecord[],
  processRecord: (record: SQSRecord) => Promise<void>,
): Promise<SQSBatchResponse> {
  const outcomes = await Promise.allSettled(records.map((record) => processRecord(record)));
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  outcomes.forEach((outcome, index) => {
    const record = records[index];
    if (outcome.status === "fulfilled" || record === undefined) return;
    batchItemFailures.push({ itemIdentifier: record.messageId });
    emitMetric(metrics.names.recordsFailed);
    logger.error("record failed; it will be retried, then dead-lettered", {
      messageId: record.messageId,
      receiveCount: Number(record.attributes.ApproximateReceiveCount),
      error: outcome.reason,
    });
  });
  return { batchItemFailures };
}
