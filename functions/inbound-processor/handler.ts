import { snsEventPublisher } from "../adapters/event-publisher.ts";
import { inboundMessageStore } from "../adapters/inbound-store.ts";
import { enqueue } from "../adapters/queue.ts";
import { replyClaims } from "../adapters/reply-claims.ts";
import { readAutoReplySettings } from "../config/auto-replies.ts";
import { readEventsTopicArn } from "../config/events.ts";
import { readProcessorConfig } from "../config/processor.ts";
import { required } from "../config/settings.ts";
import { metrics as metricNames, queueUrlSettings } from "../contract.ts";
import { functionMetrics, logger } from "../observability.ts";
import { envelopeProcessor } from "../sqs/envelope-processor.ts";
import { followNewSms } from "../use-cases/follow-new-sms.ts";
import { recordInboundArrival } from "../use-cases/record-inbound-arrival.ts";

const metrics = functionMetrics();
const { settings, tableNames } = readProcessorConfig(["inboundMessages", "dedupe", "rejectedRequests"]);
const autoReplies = readAutoReplySettings();
const outboxUrl = required(process.env, queueUrlSettings.outbox);
const inboundMessages = inboundMessageStore(tableNames);
const followUp = {
  events: snsEventPublisher(readEventsTopicArn()),
  claimReply: replyClaims(tableNames.dedupe),
  queueSend: (request: object) => enqueue(outboxUrl, JSON.stringify(request)),
};

/**
 * Stores each queued inbound SMS exactly once; for a new one, publishes `inbound.received` and queues
 * its auto-reply, if any (follow-new-sms.ts); keeps rejected requests for inspection.
 */
export const handler = envelopeProcessor(
  { settings, rejectedRequestsTable: tableNames.rejectedRequests, metrics },
  {
    "inbound-sms": async ({ arrival }) => {
      const recorded = await recordInboundArrival(arrival, inboundMessages, settings.dedupeWindowMs);
      // Run again for a redelivery of the opening arrival: it may have stopped after storing.
      const { reply } = recorded.opened
        ? await followNewSms(recorded.messageId, arrival, followUp, autoReplies)
        : { reply: undefined };
      logger.info("inbound SMS stored", {
        arrivalId: arrival.arrivalId,
        apiRequestId: arrival.apiRequestId,
        messageId: recorded.messageId,
        deliveryCount: recorded.deliveryCount,
        counted: recorded.counted,
        ...(recorded.opened ? { opened: true } : {}),
        ...(reply === undefined ? {} : { reply }),
        ...(arrival.sms.flags.length > 0 ? { flags: arrival.sms.flags } : {}),
      });
      if (recorded.duplicate) metrics.count(metricNames.names.duplicatesAbsorbed);
      if (recorded.counted && !recorded.duplicate) metrics.count(metricNames.names.inboundStored);
    },
  },
);
