/**
 * The runtime contract: every name and limit the functions read at run time, defined once here.
 * The infrastructure (infra/topology.ts, the CDK stack, the local stack) reads it to set the
 * environment the functions expect; the functions never import infra/ (`npm run check` fails if
 * one does).
 */

/** Settings a user sets, the same names locally and on Lambda (README "Configuration"). */
export const settingNames = {
  prefixes: "TOBETEXT_PREFIXES",
  receivingNumbers: "TOBETEXT_NUMBERS",
  dedupeWindowSeconds: "DEDUPE_WINDOW_SECONDS",
  /** Optional allowlist of caller addresses (CIDR, comma-separated); empty allows any. */
  allowedSources: "TOBETEXT_ALLOWED_CIDRS",
  logLevel: "LOG_LEVEL",
} as const;

export type SettingName = (typeof settingNames)[keyof typeof settingNames];

/** Each setting's default, defined once: the readers, the stack and the README use these. */
export const settingDefaults: Record<SettingName, string> = {
  [settingNames.prefixes]: "",
  [settingNames.receivingNumbers]: "",
  // ToBeText sends an unconfirmed SMS again up to 3 times but does not say how far apart; the
  // only timing it documents is its 3-30 minute status cycle. One hour covers that cycle twice
  // over, and a merge is never lossy: the record counts every arrival. See README "Retries".
  [settingNames.dedupeWindowSeconds]: "3600",
  [settingNames.allowedSources]: "",
  [settingNames.logLevel]: "info",
};

export const logLevels = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof logLevels)[number];

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

/** The path parameter that carries the URL secret. */
export const secretPathParameter = "secret";

/** The environment variables through which functions learn their queues and tables. */
export const queueUrlSettings = {
  inboundSms: "INBOUND_QUEUE_URL",
  statusCallbacks: "STATUS_QUEUE_URL",
} as const;
export type QueueId = keyof typeof queueUrlSettings;

export const tableNameSettings = {
  inboundMessages: "INBOUND_MESSAGES_TABLE",
  dedupe: "DEDUPE_TABLE",
  deliveryReports: "DELIVERY_REPORTS_TABLE",
  rejectedRequests: "REJECTED_REQUESTS_TABLE",
} as const;
export type TableId = keyof typeof tableNameSettings;

/**
 * How long SQS keeps a queued request, which the functions' dedupe state must outlive, and the
 * largest message it takes, which the receive functions check before they send.
 */
export const queueLimits = {
  // A processor outage of up to ten days loses nothing.
  retentionDays: 10,
  // SQS's longest. A dead letter's age counts from its first enqueue, so each one stays at least
  // four days in its dead-letter queue, time to look at it and redrive it (npm run redrive).
  deadLetterRetentionDays: 14,
  /** SQS's largest message; the receive functions refuse (4xx, kept) what would not fit. */
  maxMessageBytes: 1024 * 1024,
} as const;

/**
 * How long after its arrival a queued request may still be processed: its life in the queue and then
 * in the dead-letter queue (SQS counts both from the first enqueue), and a redrive's second life
 * in the queue. Dedupe state (windows, arrival markers) is kept this long plus a day, so a redriven
 * retry is still recognised as one.
 */
export const maxEnvelopeAgeDays = queueLimits.deadLetterRetentionDays + queueLimits.retentionDays;

/** What each route is, as its function sees it. */
export interface RouteContract {
  /** Words for logs, `npm start` and stack outputs. */
  label: string;
  /** The queue it sends accepted and rejected requests to. */
  queue: QueueId;
  /**
   * Larger bodies are refused (413, kept). Chosen so that whatever the bytes, the queued envelope
   * fits an SQS message and the stored record a DynamoDB item (400 KB): decoded text takes at most
   * two UTF-8 bytes per byte received, JSON-escaped at most six, and the record keeps it twice
   * (fields and text) plus the undecodable bytes as base64. test/integration/limits.test.ts
   * stores the worst case on DynamoDB Local.
   */
  maxBodyBytes: number;
}

export const routeContracts = {
  inboundSms: {
    label: "inbound SMS",
    queue: "inboundSms",
    // An LMS is at most 2,000 bytes; with ToBeText's seven fields a request is under 3 KB.
    maxBodyBytes: 32 * 1024,
  },
  statusCallback: {
    label: "status callback",
    queue: "statusCallbacks",
    // A callback's seven short fields are a few hundred bytes; a record lists up to 8 distinct results.
    maxBodyBytes: 4 * 1024,
  },
} as const satisfies Record<string, RouteContract>;
export type RouteId = keyof typeof routeContracts;

export const requestLimits = {
  /**
   * MsgId and CKey longer than this are refused (2001, kept): they become DynamoDB keys, which stop
   * at 2,048 bytes. ToBeText's MsgId is 32 characters.
   */
  maxIdentifierBytes: 256,
} as const;

/**
 * The custom metrics the functions emit (CloudWatch embedded metric format) and the dashboard
 * and alarms read. An accepted message is counted once, where it is stored (InboundStored,
 * DuplicatesAbsorbed, CallbacksStored); the receive functions count only what they turn away. Every one carries a `service` dimension, the stack's name, so two stages in
 * one account keep their figures apart; the receive functions' carry `route` too.
 */
export const metrics = {
  namespace: "ToBeTextReceiver",
  serviceSetting: "METRICS_SERVICE",
  names: {
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

export type MetricName = (typeof metrics.names)[keyof typeof metrics.names];
