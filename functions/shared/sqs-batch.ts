import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import { metrics } from "../contract.ts";
import { emitMetric, logger } from "./logger.ts";

/** Every record of a batch failed: thrown, so that the invocation counts as an error and alarms. */
export class FullBatchFailureError extends Error {
  override name = "FullBatchFailureError";
}

/**
 * Processes every record of an SQS batch on its own and reports the ones that failed, so one
 * bad record never holds up its batch-mates: the failed ones return to the queue and, after
 * the queue's maxReceiveCount, go to its dead-letter queue. Needs ReportBatchItemFailures on
 * the event source mapping. When all of them failed it throws instead, as Powertools' batch
 * processor does: the whole batch returns to the queue either way, but only a thrown error is a
 * function error, which the errors alarm and Lambda's own backoff see.
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
  if (records.length > 0 && batchItemFailures.length === records.length) {
    throw new FullBatchFailureError(`all ${records.length} records of the batch failed`);
  }
  return { batchItemFailures };
}
