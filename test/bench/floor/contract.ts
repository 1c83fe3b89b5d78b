/** What the floor handlers share with the bench, apart from them so that importing it loads no handler. */

/** Where the floor receive function queues. */
export const floorQueueSetting = "BENCH_FLOOR_QUEUE_URL";

/** Where the floor processor writes: a table whose only key is `messageId`, with no index. */
export const floorTableSetting = "BENCH_FLOOR_TABLE";

/**
 * The topic the floor processor announces each new message on: the least the events feature
 * (README "Events": one `inbound.received` per new SMS) can cost, one Publish of the message id. Unset,
 * the floor publishes nothing: the floor as it was before the product published events.
 */
export const floorTopicSetting = "BENCH_FLOOR_TOPIC_ARN";

/** What the floor receive function queues: the request as received, with what the floor processor needs. */
export interface FloorEnvelope {
  arrivalId: string;
  receivedAt: string;
  body: string;
  isBase64Encoded: boolean;
}

/** The one log line per message, the floor of logging: the message id and the outcome. */
export const floorLogLine = (messageId: string, outcome: "stored" | "duplicate") =>
  `${JSON.stringify({ messageId, outcome })}\n`;
