import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { keepRejectedRequest } from "../adapters/rejected-store.ts";
import type { ProcessorSettings } from "../config/processor.ts";
import { metrics as metricNames } from "../contract.ts";
import { type Envelope, type EnvelopeKind, MalformedEnvelopeError, parseEnvelope } from "../domain/envelope.ts";
import { type FunctionMetrics, logger, useLogLevel } from "../observability.ts";

type EnvelopeOf<K extends EnvelopeKind> = Extract<Envelope, { kind: K }>;
export type EnvelopeHandlers<K extends EnvelopeKind> = { [Kind in K]: (envelope: EnvelopeOf<Kind>) => Promise<void> };

export interface ProcessorOptions {
  settings: Pick<ProcessorSettings, "logLevel">;
  /** Where rejected requests, which share every queue, are kept. */
  rejectedRequestsTable: string;
  /** The function's metrics, which its handlers add to. */
  metrics: FunctionMetrics;
}

/**
 * An SQS handler for one queue, with Powertools' batch processor: each record's envelope goes to
 * the handler for its kind; a rejected request is kept in the rejected-requests table, whichever
 * route received it. A record that fails (or is no envelope of this queue) fails alone, is
 * reported in batchItemFailures and dead-lettered after the queue's maxReceiveCount; when every
 * record fails, the invocation itself fails, so the errors alarm sees it.
 */
export function envelopeProcessor<K extends Exclude<EnvelopeKind, "rejected-request">>(
  options: ProcessorOptions,
  handlers: EnvelopeHandlers<K>,
) {
  useLogLevel(options.settings.logLevel);
  const processor = new BatchProcessor(EventType.SQS);

  async function processEnvelope(envelope: Envelope): Promise<void> {
    if (envelope.kind === "rejected-request") {
      await keepRejectedRequest(options.rejectedRequestsTable, envelope.rejected);
      logger.info("rejected request kept", {
        rejectionId: envelope.rejected.rejectionId,
        route: envelope.rejected.route,
      });
      return;
    }
    const handle = (handlers as Partial<Record<EnvelopeKind, (envelope: Envelope) => Promise<void>>>)[envelope.kind];
    if (!handle) throw new MalformedEnvelopeError(`a ${envelope.kind} envelope does not belong on this queue`);
    await handle(envelope);
  }

  async function processRecord(record: SQSRecord): Promise<void> {
    try {
      await processEnvelope(parseEnvelope(record.body));
    } catch (error) {
      options.metrics.count(metricNames.names.recordsFailed);
      logger.error("record failed; it will be retried, then dead-lettered", {
        messageId: record.messageId,
        receiveCount: Number(record.attributes.ApproximateReceiveCount),
        error,
      });
      throw error;
    }
  }

  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(options.metrics.emf))
    .handler((event, context) => processPartialResponse(event, processRecord, processor, { context }));
}
