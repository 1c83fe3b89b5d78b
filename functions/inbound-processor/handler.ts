import { snsEventPublisher } from "../adapters/event-publisher.ts";
import { inboundMessageStore } from "../adapters/inbound-store.ts";
import { enqueue } from "../adapters/queue.ts";
import { markReplay } from "../adapters/rejected-store.ts";
import { replyClaims } from "../adapters/reply-claims.ts";
import { inboundReader, suppressionStore } from "../adapters/suppression-store.ts";
import { readAutoReplySettings } from "../config/auto-replies.ts";
import { readEventsTopicArn } from "../config/events.ts";
import { readOptOutConfig } from "../config/opt-out.ts";
import { readProcessorConfig } from "../config/processor.ts";
import { metrics as metricNames } from "../contract.ts";
import { functionMetrics, logger } from "../observability.ts";
import { envelopeProcessor } from "../sqs/envelope-processor.ts";
import { followNewSms } from "../use-cases/follow-new-sms.ts";
import { recordInboundArrival } from "../use-cases/record-inbound-arrival.ts";
import { recordOptRequest } from "../use-cases/record-opt-request.ts";

const metrics = functionMetrics();
const { settings, tableNames } = readProcessorConfig(["inboundMessages", "dedupe", "rejectedRequests", "suppressions"]);
const autoReplies = readAutoReplySettings();
const optOut = readOptOutConfig();
const inboundMessages = inboundMessageStore(tableNames);
const events = snsEventPublisher(readEventsTopicArn());
const queueSend = (request: object) => enqueue(optOut.outboxQueueUrl, JSON.stringify(request));
const optPorts = {
  ...suppressionStore(tableNames.suppressions),
  readInbound: inboundReader(tableNames.inboundMessages),
  events,
  queueSend,
};
const followUp = { events, claimReply: replyClaims(tableNames.dedupe), queueSend };

/**
 * Stores each queued inbound SMS exactly once; records an opt-out or opt-in it asks for; for a new
 * one, publishes `inbound.received` and queues its auto-reply, if any (follow-new-sms.ts); keeps
 * rejected requests for inspection.
 */
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
      // Before the auto-reply: an opt-out is on the list before any reply to it reaches the sender.
      const opt = await recordOptRequest(
        { messageId: recorded.messageId, text: arrival.sms.text, retry: recorded.duplicate },
        optPorts,
        optOut.settings,
      );
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
        // Only for a new SMS (the arrival that opened its record): what became of its auto-reply.
        ...(reply === undefined ? {} : { reply }),
        ...(arrival.sms.flags.length > 0 ? { flags: arrival.sms.flags } : {}),
        // "out changed", "in superseded", …: short, the line stays within its 400 bytes.
        ...(opt ? { opt: `${opt.kind.slice(4)} ${opt.outcome}` } : {}),
      });
      if (recorded.duplicate) metrics.count(metricNames.names.duplicatesAbsorbed);
      if (recorded.counted && !recorded.duplicate) metrics.count(metricNames.names.inboundStored);
    },
  },
);
