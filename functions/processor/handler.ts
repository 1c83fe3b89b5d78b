import middy from "@middy/core";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { settingNames, tables } from "../../infra/topology.ts";
import { inboundMessageStore } from "../adapters/inbound-store.ts";
import { keepRejectedRequest } from "../adapters/rejected-store.ts";
import { parseEnvelope } from "../domain/envelope.ts";
import { emitMetric, logger } from "../shared/logger.ts";
import { positiveIntegerSetting, requiredSetting } from "../shared/settings.ts";
import { processPartialBatch } from "../shared/sqs-batch.ts";
import { recordInboundDelivery } from "../use-cases/record-inbound-delivery.ts";

const tableNames = {
  inboundMessages: requiredSetting(tables.inboundMessages.nameSetting),
  dedupe: requiredSetting(tables.dedupe.nameSetting),
  rejectedRequests: requiredSetting(tables.rejectedRequests.nameSetting),
};
const dedupeWindowMs = positiveIntegerSetting(settingNames.dedupeWindowSeconds, 3600) * 1000;
const inboundMessages = inboundMessageStore(tableNames);

/** Stores one queued request: an inbound SMS exactly once, or a rejected request for inspection. */
async function processRecord(record: SQSRecord): Promise<void> {
  const envelope = parseEnvelope(record.body);
  switch (envelope.kind) {
    case "inbound-sms": {
      const recorded = await recordInboundDelivery(envelope.delivery, inboundMessages, dedupeWindowMs);
      logger.info("inbound SMS stored", {
        deliveryId: envelope.delivery.deliveryId,
        messageId: recorded.messageId,
        deliveryCount: recorded.record?.deliveryCount,
        counted: recorded.counted,
      });
      if (recorded.duplicate) emitMetric("DuplicatesAbsorbed");
      if (recorded.counted && !recorded.duplicate) emitMetric("InboundStored");
      return;
    }
    case "rejected-request":
      await keepRejectedRequest(tableNames.rejectedRequests, envelope.rejected);
      logger.info("rejected request kept", {
        rejectionId: envelope.rejected.rejectionId,
        route: envelope.rejected.route,
      });
      return;
  }
}

export const handler = middy<SQSEvent, SQSBatchResponse>().handler((event) =>
  processPartialBatch(event.Records, processRecord),
);
