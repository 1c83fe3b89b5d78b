import type { SQSRecord } from "aws-lambda";
import { deliveryReportLinks } from "../adapters/delivery-report-store.ts";
import { snsEventPublisher } from "../adapters/event-publisher.ts";
import { sentMessageStore } from "../adapters/sent-message-store.ts";
import { suppressionStore } from "../adapters/suppression-store.ts";
import { toBeTextApi } from "../adapters/tobetext-api.ts";
import { toBeTextCredentials } from "../adapters/tobetext-credentials.ts";
import { urlSecretsFrom } from "../adapters/url-secrets.ts";
import { readEventsTopicArn } from "../config/events.ts";
import { readSenderConfig } from "../config/sender.ts";
import { metrics as metricNames } from "../contract.ts";
import { clip, functionMetrics, logger } from "../observability.ts";
import { sqsBatchHandler } from "../sqs/batch-handler.ts";
import { type SendResult, sendMessage } from "../use-cases/send-message.ts";

const config = readSenderConfig();
const events = snsEventPublisher(readEventsTopicArn());
const metrics = functionMetrics();
const sentMessages = sentMessageStore(config.tableNames.sentMessages);
const reports = deliveryReportLinks(config.tableNames.deliveryReports);
const urlSecrets = urlSecretsFrom(config.urlSecrets);
const ports = {
  ...sentMessages,
  ...reports,
  ...toBeTextApi(config.settings.sendApiUrl),
  findSuppression: suppressionStore(config.tableNames.suppressions).findSuppression,
  credentials: toBeTextCredentials(config.credentials),
  events,
  // The current URL secret: ToBeText keeps a message's callback URL, so a rotation's previous one still works for it.
  callbackUrl: async () => `${config.statusCallbackUrl}/${(await urlSecrets())[0]}`,
};

async function processRecord(record: SQSRecord): Promise<void> {
  const result = await sendMessage({ body: record.body, requestId: record.messageId }, ports, config.settings);
  report(result, record);
}

/** One line per request, with what tells it apart and never a number or the text. */
function report(result: SendResult, record: SQSRecord): void {
  const base = { requestId: record.messageId };
  switch (result.kind) {
    case "refused-here":
      metrics.count(metricNames.names.sendsRefused);
      logger.info("send request refused", {
        ...base,
        ckey: clip(result.record.ckey, 80),
        reason: clip(result.record.reason, 160),
      });
      return;
    case "held":
      metrics.count(metricNames.names.sendsHeld);
      if (result.stalled) metrics.count(metricNames.names.sendsUnknown);
      logger.info("send request held: its CKey was taken", {
        ...base,
        ckey: clip(result.record.ckey, 80),
        status: result.stalled ? "unknown" : result.record.status,
      });
      return;
    case "sent": {
      const { outcome } = result;
      metrics.count(
        outcome.sendOutcome === "accepted"
          ? metricNames.names.sendsAccepted
          : outcome.sendOutcome === "refused"
            ? metricNames.names.sendsRefused
            : metricNames.names.sendsUnknown,
      );
      logger.info("message sent to ToBeText", {
        ...base,
        ckey: clip(result.ckey, 80),
        sendOutcome: outcome.sendOutcome,
        msgId: clip(outcome.msgId, 48),
        errorCode: clip(outcome.errorCode, 16),
        ...(outcome.reason === undefined ? {} : { reason: clip(outcome.reason, 160) }),
        ...(result.joined ? { joined: true } : {}),
      });
    }
  }
}

/**
 * Sends each request of the outbox through ToBeText, at most once per CKey. A batch is one
 * invocation's requests in flight at once (the outbox's batch size), so ToBeText sees at most
 * batch size × the event source's maximum concurrency requests at a time.
 */
export const handler = sqsBatchHandler(metrics, processRecord, "send request");
