/**
 * The one definition of this system's routes, queues, tables and settings.
 *
 * Plain data, no CDK or SDK imports: the CDK stack (infra/stack.ts) and the local
 * stack (infra/local/) both read it, so what runs on a laptop and what runs on AWS
 * cannot drift apart.
 */

/** Environment variables the functions read, the same names locally and on Lambda. */
export const settingNames = {
  prefixes: "TOBETEXT_PREFIXES",
  receivingNumbers: "TOBETEXT_NUMBERS",
  dedupeWindowSeconds: "DEDUPE_WINDOW_SECONDS",
  /** Optional allowlist of caller addresses (CIDR, comma-separated); empty allows any. */
  allowedSources: "TOBETEXT_ALLOWED_CIDRS",
  logLevel: "LOG_LEVEL",
} as const;

/**
 * The secret path segment of the registered URLs. Locally (and anywhere without Secrets Manager)
 * the secrets themselves, comma-separated, current first; on AWS the ARN of a Secrets Manager
 * secret holding `{"current": "...", "previous": "..."}`. Two are valid at once, for rotation.
 */
export const urlSecretSettings = {
  secrets: "TOBETEXT_URL_SECRETS",
  secretArn: "TOBETEXT_URL_SECRET_ARN",
  /** Short enough that a rotation takes effect within minutes, long enough to cost nothing per request. */
  cacheSeconds: 300,
  /** Shorter secrets are refused at start: the path segment is the only credential. */
  minimumLength: 16,
} as const;

/** Defaults for the user-facing settings; the README's configuration table is built from these. */
export const settingDefaults = {
  [settingNames.prefixes]: "",
  [settingNames.receivingNumbers]: "",
  // ToBeText retries an unconfirmed delivery up to 3 times but does not say how far apart; the
  // only timing it documents is its 3-30 minute status cycle. One hour covers that cycle twice
  // over, and a merge is never lossy: the record counts every delivery. See README "Retries".
  [settingNames.dedupeWindowSeconds]: "3600",
  [settingNames.allowedSources]: "",
  [settingNames.logLevel]: "info",
} as const;

export const logLevels = ["debug", "info", "warn", "error", "silent"] as const;

export type QueueId = keyof typeof queues;
export type TableId = keyof typeof tables;
export type RouteId = keyof typeof routes;
export type ConsumerId = keyof typeof consumers;

export interface QueueDefinition {
  /** Environment variable through which functions learn this queue's URL. */
  urlSetting: string;
  /** Lambda timeout of the consumer is kept well below this (see processor). */
  visibilityTimeoutSeconds: number;
  /** Receives before a message is moved to the dead-letter queue. */
  maxReceiveCount: number;
  /** Event source mapping: records per invocation. */
  batchSize: number;
  /** Event source mapping: how long to gather a batch. */
  maxBatchingWindowSeconds: number;
  /** Event source mapping: concurrent invocations at most. */
  maximumConcurrency: number;
  /** How long an unprocessed message waits, e.g. through a processor outage. */
  retentionDays: number;
  /**
   * Kept for inspection and redrive. SQS counts a dead letter's age from its first enqueue, so this
   * must exceed `retentionDays`: the difference is the least time anyone has to redrive it.
   */
  deadLetterRetentionDays: number;
  /** SQS's largest message; the receive functions refuse (4xx, kept) what would not fit. */
  maxMessageBytes: number;
}

/** Timings shared by the queues: each is consumed by a processor of the same shape. */
const standardQueue = {
  // Six times the processor timeout, as AWS advises for SQS event sources.
  visibilityTimeoutSeconds: 60,
  maxReceiveCount: 5,
  batchSize: 10,
  // 0, the default: a batch goes as soon as messages are there; SMS volume never needs a wait to fill one.
  maxBatchingWindowSeconds: 0,
  // Enough for bursts; bounded so a flood cannot exhaust the account's Lambda concurrency.
  maximumConcurrency: 5,
  // A processor outage of up to ten days loses nothing.
  retentionDays: 10,
  // SQS's longest. A dead letter's age counts from its first enqueue, so each one stays at least
  // four days in its dead-letter queue, time to look at it and redrive it (npm run redrive).
  deadLetterRetentionDays: 14,
  maxMessageBytes: 1024 * 1024,
} as const;

export const queues = {
  inboundSms: {
    urlSetting: "INBOUND_QUEUE_URL",
    ...standardQueue,
  },
  statusCallbacks: {
    urlSetting: "STATUS_QUEUE_URL",
    ...standardQueue,
  },
} as const satisfies Record<string, QueueDefinition>;

/**
 * How long after its arrival a queued request may still be processed: its life in the queue and then
 * in the dead-letter queue (SQS counts both from the first enqueue), and a redrive's second life
 * in the queue. Dedupe state (windows, delivery markers) is kept this long plus a day, so a redriven
 * retry is still recognised as one.
 */
export const maxEnvelopeAgeDays = Math.max(
  ...Object.values(queues).map((queue) => queue.deadLetterRetentionDays + queue.retentionDays),
);

export interface IndexDefinition {
  name: string;
  partitionKey: string;
  sortKey?: string;
}

export interface TableDefinition {
  /** Environment variable through which functions learn this table's name. */
  nameSetting: string;
  /** What a person finds in it, shown by `npm start` and in stack outputs. */
  description: string;
  partitionKey: string;
  sortKey?: string;
  indexes: readonly IndexDefinition[];
  /** Set only where items are meant to expire. */
  timeToLiveAttribute?: string;
}

export const tables = {
  inboundMessages: {
    nameSetting: "INBOUND_MESSAGES_TABLE",
    description: "inbound SMS, one item per message (retries counted on it)",
    partitionKey: "messageId",
    indexes: [
      { name: "bySender", partitionKey: "sender", sortKey: "firstArrivalAt" },
      { name: "byRecipient", partitionKey: "recipient", sortKey: "firstArrivalAt" },
    ],
  },
  dedupe: {
    nameSetting: "DEDUPE_TABLE",
    description: "dedupe windows and delivery markers (expire on their own)",
    partitionKey: "key",
    indexes: [],
    timeToLiveAttribute: "expiresAtEpoch",
  },
  deliveryReports: {
    nameSetting: "DELIVERY_REPORTS_TABLE",
    description: "delivery status of sent SMS, one item per message (from status callbacks)",
    partitionKey: "recordId",
    indexes: [
      { name: "byMsgId", partitionKey: "msgId", sortKey: "firstCallbackAt" },
      { name: "byCKey", partitionKey: "cKey", sortKey: "firstCallbackAt" },
    ],
  },
  rejectedRequests: {
    nameSetting: "REJECTED_REQUESTS_TABLE",
    description: "requests that could not be accepted, with the reason",
    partitionKey: "rejectionId",
    indexes: [{ name: "byRoute", partitionKey: "route", sortKey: "receivedAt" }],
  },
} as const satisfies Record<string, TableDefinition>;

export interface RouteDefinition {
  /**
   * Path ToBeText posts to, followed by `/<secret>` (see urlSecretSettings). Any method reaches the
   * handler, so a wrong one gets a ToBeText-style 405; the bare path is routed too, so a request
   * without the secret is answered (404) and counted by the handler rather than by API Gateway.
   */
  path: string;
  /** Module (relative to the repository root) exporting `handler`. */
  entry: string;
  /** Queue the handler enqueues accepted and rejected requests to. */
  queue: QueueId;
  /** Words `npm start` and stack outputs use for this URL. */
  label: string;
  /** Where the customer gives this URL to ToBeText. */
  registration: string;
  /**
   * Larger bodies are refused (413, kept). Chosen so that whatever the bytes, the queued envelope
   * fits an SQS message and the stored record a DynamoDB item (400 KB): decoded text takes at most
   * two UTF-8 bytes per byte received, JSON-escaped at most six, and the record keeps it twice
   * (fields and text) plus the undecodable bytes as base64. test/integration/limits.test.ts
   * stores the worst case on DynamoDB Local.
   */
  maxBodyBytes: number;
}

export const routes = {
  inboundSms: {
    path: "/inbound",
    entry: "functions/inbound-sms/handler.ts",
    queue: "inboundSms",
    label: "inbound SMS",
    registration: "Register it with ToBeText as the URL for your Inbound SMS numbers.",
    // An LMS is at most 2,000 bytes; with ToBeText's seven fields a request is under 3 KB.
    maxBodyBytes: 32 * 1024,
  },
  statusCallback: {
    path: "/status-callback",
    entry: "functions/status-callback/handler.ts",
    queue: "statusCallbacks",
    label: "status callback",
    registration: "Give it as the `callback` parameter of each SMS you send through ToBeText.",
    // A callback's seven short fields are a few hundred bytes; a record lists up to 8 distinct results.
    maxBodyBytes: 4 * 1024,
  },
} as const satisfies Record<string, RouteDefinition>;

export interface ConsumerDefinition {
  entry: string;
  queue: QueueId;
  timeoutSeconds: number;
  /** The tables it reads and writes: its only DynamoDB access (see the stack's grants). */
  tables: readonly TableId[];
}

export const consumers = {
  inboundProcessor: {
    entry: "functions/inbound-processor/handler.ts",
    queue: "inboundSms",
    timeoutSeconds: 10,
    tables: ["inboundMessages", "dedupe", "rejectedRequests"],
  },
  statusProcessor: {
    entry: "functions/status-processor/handler.ts",
    queue: "statusCallbacks",
    timeoutSeconds: 10,
    tables: ["deliveryReports", "dedupe", "rejectedRequests"],
  },
} as const satisfies Record<string, ConsumerDefinition>;

/** Lambda sizing. CPU grows with memory: 512 MB keeps cold starts short for a caller that retries slow answers. */
export const functionDefaults = {
  memorySizeMb: 512,
  /** The receive functions make one SQS call; API Gateway itself gives up after 30 seconds. */
  receiveTimeoutSeconds: 10,
} as const;

/** What operators are alerted on (see the stack's alarms and dashboard). */
export const operations = {
  /**
   * ToBeText does not say how long it waits for an answer before it retries; 3 seconds is a common
   * client timeout, so acknowledgements are watched against it.
   */
  ackBudgetMs: 3000,
  /** A queued message older than this means its processor is not keeping up. */
  oldestMessageAlarmSeconds: 300,
} as const;

/**
 * The custom metrics the functions emit (CloudWatch embedded metric format) and the dashboard
 * and alarms read. Every one carries a `service` dimension, the stack's name, so two stages in
 * one account keep their figures apart; per-route ones carry `route` too.
 */
export const metrics = {
  namespace: "ToBeTextReceiver",
  serviceSetting: "METRICS_SERVICE",
  names: {
    /** Per route: requests accepted and durably queued. */
    accepted: "Accepted",
    /** Per route: requests refused with a 4xx (and kept). */
    rejected: "Rejected",
    /** Per route: requests turned away unread: no or a wrong URL secret, or a caller outside the allowlist. */
    denied: "Denied",
    /** Per route: requests answered 503 because queueing (or keeping a rejection) failed. */
    unavailable: "Unavailable",
    inboundStored: "InboundStored",
    duplicatesAbsorbed: "DuplicatesAbsorbed",
    callbacksStored: "CallbacksStored",
    conflictingResults: "ConflictingResults",
    /** Seconds since the message's first callback: how late ToBeText's repeats keep coming. */
    callbackLateness: "CallbackLatenessSeconds",
    /** Queue records a processor could not process (they are retried, then dead-lettered). */
    recordsFailed: "RecordsFailed",
  },
} as const;

/** The path parameter that carries the URL secret. */
export const secretPathParameter = "secret";
export const secretRoutePath = (route: RouteDefinition) => `${route.path}/{${secretPathParameter}}`;

/** Request limits, enforced by the handlers and by the local HTTP front alike. */
export const limits = {
  /**
   * Per route, as API Gateway throttles (token bucket). Far above what one customer's numbers
   * receive, low enough that a flood costs little and leaves the account's Lambda concurrency alone.
   */
  throttle: { rateLimitPerSecond: 50, burstLimit: 100 },
  /**
   * MsgId and CKey longer than this are refused (2001, kept): they become DynamoDB keys, which stop
   * at 2,048 bytes. ToBeText's MsgId is 32 characters.
   */
  maxIdentifierBytes: 256,
  /**
   * API Gateway's own payload limit, which the local front applies like API Gateway does. Bodies
   * between the two limits reach the handler, which answers 413 and keeps what it received.
   */
  apiGatewayMaxBodyBytes: 10 * 1024 * 1024,
} as const;
