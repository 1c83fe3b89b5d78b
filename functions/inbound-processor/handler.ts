import middy from "@middy/core";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { metrics, settingNames, tables } from "../contract.ts";
import { inboundMessageStore } from "../adapters/inbound-store.ts";
import { envelopeProcessor } from "../shared/envelope-processor.ts";
import { emitMetric, logger } from "../shared/logger.ts";
import { positiveIntegerSetting, requiredSetting } from "../shared/settings.ts";
import { recordInboundArrival } from "../use-cases/record-inbound-arrival.ts";

const inboundMessages = inboundMessageStore({
  inboundMessages: requiredSetting(tables.inboundMessages.nameSetting),
  dedupe: requiredSetting(tables.dedupe.nameSetting),
});
const rejectedRequestsTable = requiredSetting(tables.rejectedRequests.nameSetting);
const dedupeWindowMs = positiveIntegerSetting(settingNames.dedupeWindowSeconds, 3600) * 1000;

/** Stores each queued inbound SMS exactly once; keeps rejected requests for inspection. */
export const handler = middy<SQSEvent, SQSBatchResponse>().handler(
  envelopeProcessor(rejectedRequestsTable, {
    "inbound-sms": async ({ delivery }) => {
      const recorded = await recordInboundArrival(delivery, inboundMessages, dedupeWindowMs);
      logger.info("inbound SMS stored", {
        deliveryId: delivery.deliveryId,
        messageId: recorded.messageId,
        deliveryCount: recorded.record?.deliveryCount,
        counted: recorded.counted,
      });
      if (recorded.duplicate) emitMetric(metrics.names.duplicatesAbsorbed);
      if (recorded.counted && !recorded.duplicate) emitMetric(metrics.names.inboundStored);
    },
  }),
);
