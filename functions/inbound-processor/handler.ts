import { inboundMessageStore } from "../adapters/inbound-store.ts";
import { enqueue } from "../adapters/queue.ts";
import { markReplay } from "../adapters/rejected-store.ts";
import { inboundReader, suppressionStore } from "../adapters/suppression-store.ts";
import { readOptOutConfig } from "../config/opt-out.ts";
import { readProcessorConfig } from "../config/processor.ts";
import { metrics as metricNames } from "../contract.ts";
import type { EventPublisher } from "../domain/events.ts";
import { functionMetrics, logger } from "../observability.ts";
import { envelopeProcessor } from "../sqs/envelope-processor.ts";
import { recordInboundArrival } from "../use-cases/record-inbound-arrival.ts";
import { recordOptRequest } from "../use-cases/record-opt-request.ts";

const metrics = functionMetrics();
const { settings, tableNames } = readProcessorConfig(["inboundMessages", "dedupe", "rejectedRequests", "suppressions"]);
const inboundMessages = inboundMessageStore(tableNames);
const optOut = readOptOutConfig();
// TODO(events merge): the SNS publisher
const events: EventPublisher = { publish: async () => {} };
const optPorts = {
  ...suppressionStore(tableNames.suppressions),
  readInbound: inboundReader(tableNames.inboundMessages),
  events,
  queueSend: (request: object) => enqueue(optOut.outboxQueueUrl, JSON.stringify(request)),
};

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
      // Every arrival: a retry may move its message's first arrival back, which orders opt requests.
      const opt = await recordOptRequest(
        { messageId: recorded.messageId, text: arrival.sms.text, retry: recorded.duplicate },
        optPorts,
        optOut.settings,
      );
      logger.info("inbound SMS stored", {
        arrivalId: arrival.arrivalId,
        apiRequestId: arrival.apiRequestId,
        messageId: recorded.messageId,
        deliveryCount: recorded.deliveryCount,
        counted: recorded.counted,
        ...(arrival.sms.flags.length > 0 ? { flags: arrival.sms.flags } : {}),
        // "out changed", "in superseded", …: short, the line stays within its 400 bytes.
        ...(opt ? { opt: `${opt.kind.slice(4)} ${opt.outcome}` } : {}),
      });
      if (recorded.duplicate) metrics.count(metricNames.names.duplicatesAbsorbed);
      if (recorded.counted && !recorded.duplicate) metrics.count(metricNames.names.inboundStored);
    },
  },
);
