import { inboundMessageStore } from "../adapters/inbound-store.ts";
import { markReplay } from "../adapters/rejected-store.ts";
import { readProcessorConfig } from "../config/processor.ts";
import { metrics as metricNames } from "../contract.ts";
import { functionMetrics, logger } from "../observability.ts";
import { envelopeProcessor } from "../sqs/envelope-processor.ts";
import { recordInboundArrival } from "../use-cases/record-inbound-arrival.ts";

const metrics = functionMetrics();
const { settings, tableNames } = readProcessorConfig(["inboundMessages", "dedupe", "rejectedRequests"]);
const inboundMessages = inboundMessageStore(tableNames);

/** Stores each queued inbound SMS exactly once; keeps rejected requests for inspection. */
export const handler = envelopeProcessor(
  { settings, rejectedRequestsTable: tableNames.rejectedRequests, metrics },
  {
    "inbound-sms": async ({ arrival }) => {
      const recorded = await recordInboundArrival(arrival, inboundMessages, settings.dedupeWindowMs);
      // A replayed rejection (npm run replay) learns which record it is on; a redelivery marks it again, alike.
      if (arrival.replayOf !== undefined) {
        const { messageId, deliveryCount } = recorded;
        const at = new Date().toISOString();
        await markReplay(tableNames.rejectedRequests, arrival.replayOf, {
          outcome: "stored",
          at,
          messageId,
          deliveryCount,
        });
      }
      logger.info("inbound SMS stored", {
        arrivalId: arrival.arrivalId,
        apiRequestId: arrival.apiRequestId,
        messageId: recorded.messageId,
        deliveryCount: recorded.deliveryCount,
        counted: recorded.counted,
        ...(arrival.sms.flags.length > 0 ? { flags: arrival.sms.flags } : {}),
      });
      if (recorded.duplicate) metrics.count(metricNames.names.duplicatesAbsorbed);
      if (recorded.counted && !recorded.duplicate) metrics.count(metricNames.names.inboundStored);
    },
  },
);
