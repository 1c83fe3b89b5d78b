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
  /** The number a send request naming none is sent from; empty: the first of TOBETEXT_NUMBERS. */
  defaultSender: "TOBETEXT_SENDER",
  /** ToBeText's send endpoint (README "Sending"); its backup host is an operator's choice, never automatic. */
  sendApiUrl: "TOBETEXT_API_URL",
  /** A sent message with no final result this long after its request is expired by the sweep. */
  resultTimeoutSeconds: "SEND_RESULT_TIMEOUT_SECONDS",
  /** Inbound texts that put their sender on the suppression list (README "Opt-out (수신거부)"), comma-separated. */
  optOutKeywords: "TOBETEXT_OPT_OUT_KEYWORDS",
  /** Inbound texts that lift their sender's suppression, comma-separated; none may also be an opt-out keyword. */
  optInKeywords: "TOBETEXT_OPT_IN_KEYWORDS",
  /** The reply to an opt-out (sent transactional, from the number it came to); empty: none. `{date}`: its day (KST). */
  optOutConfirmation: "TOBETEXT_OPT_OUT_CONFIRMATION",
  /** The reply to an opt-in, as for an opt-out; empty: none. */
  optInConfirmation: "TOBETEXT_OPT_IN_CONFIRMATION",
  /** Auto-replies: a JSON object from a configured prefix to its reply text (README "Auto-replies"); empty: none. */
  autoReplies: "TOBETEXT_AUTO_REPLIES",
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
  [settingNames.defaultSender]: "",
  // TLS by default (port 18443 of ToBeText's API host); the backup host is for ToBeText-announced outages.
  [settingNames.sendApiUrl]: "https://api-dev.tbnws.com:18443/sms",
  // ToBeText reports 3 to 30 minutes after a send; 72 hours leaves room for a handset switched off for days.
  [settingNames.resultTimeoutSeconds]: String(72 * 3600),
  // Whole-text matches only (README "Opt-out"): words people send to refuse advertising SMS in Korea, the
  // free-refusal wording of ads' footers, and the usual English ones. Missing one is the costly mistake.
  [settingNames.optOutKeywords]:
    "수신거부,거부,해지,수신해지,수신중지,광고거부,무료거부,무료수신거부,080수신거부,STOP,UNSUBSCRIBE",
  // No bare 동의: people answer "동의" to unrelated questions (terms, surveys), and lifting a refusal takes a clear ask.
  [settingNames.optInKeywords]: "수신동의,광고수신동의,START",
  // None by default: the notice must name the sender (시행령), which only the customer can write.
  [settingNames.optOutConfirmation]: "",
  [settingNames.optInConfirmation]: "",
  [settingNames.autoReplies]: "",
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

/**
 * ToBeText's credentials for sending (Cid and token). Locally (and anywhere without Secrets Manager)
 * the values themselves; on AWS the ARN of a Secrets Manager secret holding `{"cid": "...", "token": "..."}`.
 */
export const sendCredentialSettings = {
  cid: "TOBETEXT_CID",
  token: "TOBETEXT_TOKEN",
  secretArn: "TOBETEXT_CREDENTIALS_SECRET_ARN",
  /** The Cid the stack's secret is made with, until the operator puts ToBeText's: the sender refuses to send with it. */
  placeholderCid: "SET-ME",
} as const;

/**
 * The status-callback route's URL without its secret (`https://…/status-callback`): the sender
 * appends the current URL secret and gives it to ToBeText as each message's `callback`.
 */
export const statusCallbackUrlSetting = "STATUS_CALLBACK_URL";

/** What a send request may be (README "Sending"), checked by `npm run send` and again by the sender. */
export const sendLimits = {
  /** ToBeText's Body rule: at most 160 bytes, i.e. 160 ASCII characters, or 80 when any is not ASCII. */
  maxAsciiCharacters: 160,
  maxOtherCharacters: 80,
  /** A CKey is this system's key for the message and ToBeText's for its results: short, URL- and log-safe. */
  ckeyPattern: /^[A-Za-z0-9._:-]{1,64}$/,
  /** How long the sender waits for ToBeText's answer; after that the outcome is `unknown`, never resent. */
  requestTimeoutMs: 10_000,
  /** ToBeText requests one sender invocation has in flight at once (× the outbox's maximumConcurrency in all). */
  inFlightPerInvocation: 5,
  /**
   * A reservation still `sending` this long after it was made belongs to an invocation that stopped
   * (the sender times out after 30 s): a redelivery then records it `unknown` instead of waiting.
   */
  stalledReservationMs: 120_000,
} as const;

/**
 * The sent-messages indexes the functions query (the topology makes every index; the stack grants
 * Query on these alone, and its synth fails if the topology has no index of that name).
 */
export const sentMessageIndexes = {
  byMsgId: "msgId-requestedAt-keys",
  awaiting: "awaiting-resultDueAt-keys",
} as const;

/**
 * The suppressions table's sparse index (README "Opt-out"): only a suppressed number's item has its partition
 * key, so `npm run records -- --suppressed` lists them by a Query, never a Scan.
 */
export const suppressionIndexes = {
  suppressed: { name: "suppressedList-since-keys", partitionKey: "suppressedList", value: "yes", sortKey: "since" },
} as const;

/** The events topic's ARN (README "Events"), in the environment of the functions that publish. */
export const eventsTopicSetting = "EVENTS_TOPIC_ARN";

/** Auto-replies (README "Auto-replies"): sent through the outbox, once per new SMS, bounded per sender. */
export const autoReplyLimits = {
  /** A reply's CKey is this and the SMS's messageId: the sender sends one CKey at most once. */
  ckeyPrefix: "reply-",
  /** At most one auto-reply per sender number and prefix within this long. */
  perSenderSeconds: 3600,
} as const;

/** The path parameter that carries the URL secret. */
export const secretPathParameter = "secret";

/** The environment variables through which functions learn their queues and tables. */
export const queueUrlSettings = {
  inboundSms: "INBOUND_QUEUE_URL",
  statusCallbacks: "STATUS_QUEUE_URL",
  /** Send requests (README "Sending"): the customer's systems `SendMessage` here, authorised by IAM. */
  outbox: "OUTBOX_QUEUE_URL",
} as const;
export type QueueId = keyof typeof queueUrlSettings;

export const tableNameSettings = {
  inboundMessages: "INBOUND_MESSAGES_TABLE",
  dedupe: "DEDUPE_TABLE",
  deliveryReports: "DELIVERY_REPORTS_TABLE",
  rejectedRequests: "REJECTED_REQUESTS_TABLE",
  sentMessages: "SENT_MESSAGES_TABLE",
  suppressions: "SUPPRESSIONS_TABLE",
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
    /** Send requests ToBeText accepted, refused (by it or before it), or whose answer never came. */
    sendsAccepted: "SendsAccepted",
    sendsRefused: "SendsRefused",
    sendsUnknown: "SendsUnknown",
    /** Send requests for a CKey already taken: not sent again. */
    sendsHeld: "SendsHeld",
    /** Final results of sent messages: from a status callback, or the sweep's expiry. The alarm watches the expired share. */
    sentDelivered: "SentDelivered",
    sentFailed: "SentFailed",
    sentExpired: "SentExpired",
    /** Status callbacks for no message this system sent (yet): kept, flagged `orphan`. */
    callbacksUnmatched: "CallbacksUnmatched",
  },
} as const;

export type MetricName = (typeof metrics.names)[keyof typeof metrics.names];
