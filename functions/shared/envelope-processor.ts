import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { keepRejectedRequest } from "../adapters/rejected-store.ts";
import { type Envelope, type EnvelopeKind, MalformedEnvelopeError, parseEnvelope } from "../domain/envelope.ts";
import { logger } from "./logger.ts";
import { processPartialBatch } from "./sqs-batch.ts";

type EnvelopeOf<K extends EnvelopeKind> = Extract<Envelope, { kind: K }>;
export type EnvelopeHandlers<K extends EnvelopeKind> = { [Kind in K]: (envelope: EnvelopeOf<Kind>) => Promise<void> };

/**
 * An SQS handler for one queue: each record's envelope goes to the handler for its kind; a
 * rejected request is kept in the rejected-requests table, whichever route received it; a
 * record that is no envelope of this queue fails alone (partial batch failure) and is
 * dead-lettered after the queue's maxReceiveCount.
 */
export function envelopeProcessor<K extends Exclude<EnvelopeKind, "rejected-request">>(
  rejectedRequestsTable: string,
  handlers: EnvelopeHandlers<K>,
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const processRecord = async (record: SQSRecord) => {
    const envelope = parseEnvelope(record.body);
    if (envelope.kind === "rejected-request") {
      await keepRejectedRequest(rejectedRequestsTable, envelope.rejected);
      logger.info("rejected request kept", {
        rejectionId: envelope.rejected.rejectionId,
        route: envelope.rejected.route,
      });
      return;
    }
    const handle = (handlers as Partial<Record<EnvelopeKind, (envelope: Envelope) => Promise<void>>>)[envelope.kind];
    if (!handle) throw new MalformedEnvelopeError(`a ${envelope.kind} envelope does not belong on this queue`);
    await handle(envelope);
  };
  return (event) => processPartialBatch(event.Records, processRecord);
}
