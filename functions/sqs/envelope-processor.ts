import type { SQSRecord } from "aws-lambda";
import { keepRejectedRequest } from "../adapters/rejected-store.ts";
import type { ProcessorSettings } from "../config/processor.ts";
import { type Envelope, type EnvelopeKind, MalformedEnvelopeError, parseEnvelope } from "../domain/envelope.ts";
import { type FunctionMetrics, logger, useLogLevel } from "../observability.ts";
import { sqsBatchHandler } from "./batch-handler.ts";

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
    await processEnvelope(parseEnvelope(record.body));
  }

  return sqsBatchHandler(options.metrics, processRecord);
}
