import {
  eventsTopicSetting,
  type MetricName,
  metrics,
  type QueueId,
  queueLimits,
  queueUrlSettings,
  type RouteContract,
  type RouteId,
  routeContracts,
  secretPathParameter,
  sendCredentialSettings,
  sendLimits,
  sentMessageIndexes,
  statusCallbackUrlSetting,
  suppressionIndexes,
  type TableId,
  tableNameSettings,
  urlSecretSettings,
} from "../functions/contract.ts";

/**
 * The one definition of this system's routes, queues, tables and settings.
 *
 * Plain data, no CDK or SDK imports: the CDK stack (infra/stack.ts) and the local
 * stack (infra/local/) both read it, so what runs on a laptop and what runs on AWS
 * cannot drift apart.
 */

export {
  logLevels,
  maxEnvelopeAgeDays,
  metrics,
  type QueueId,
  type RouteId,
  secretPathParameter,
  sendCredentialSettings,
  sendLimits,
  sentMessageIndexes,
  settingDefaults,
  settingNames,
  statusCallbackUrlSetting,
  type TableId,
  urlSecretSettings,
} from "../functions/contract.ts";

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
  // Retention and size are the functions' to know (their dedupe state must outlive a message).
  ...queueLimits,
} as const;

export const queues = {
  inboundSms: { urlSetting: queueUrlSettings.inboundSms, ...standardQueue },
  statusCallbacks: { urlSetting: queueUrlSettings.statusCallbacks, ...standardQueue },
  outbox: {
    urlSetting: queueUrlSettings.outbox,
    ...standardQueue,
    // Above the sender's timeout (30 s) six times over, as for the others.
    visibilityTimeoutSeconds: 180,
    // With inFlightPerInvocation (5) and two invocations at most, ToBeText never has more than 10 requests at once.
    batchSize: sendLimits.inFlightPerInvocation,
    maximumConcurrency: 2,
  },
} as const satisfies Record<QueueId, QueueDefinition>;

/**
 * The queue the customer's own systems put send requests on (README "Sending"). No route feeds it: IAM
 * authorises each of those systems, through a managed policy the stack makes for the customer to attach.
 */
export const outbox = {
  queue: "outbox",
  /** Where a send's outcome is read back by its CKey: GetItem alone, as `npm run send` does. */
  outcomesTable: "sentMessages",
} as const satisfies { queue: QueueId; outcomesTable: TableId };

/** What an index holds besides its own keys and the table's (DynamoDB's ProjectionType). */
export type IndexProjection =
  | { type: "KEYS_ONLY" }
  | { type: "INCLUDE"; nonKeyAttributes: readonly string[] }
  | { type: "ALL" };

/**
 * A global secondary index. People query them (`npm run records`, the console), and a function only
 * where its `tableAccess` names the index. Each projects its keys only: an update that changes no index
 * key then writes no index entry (an index projecting ALL rewrites its entry on every update of the
 * item). `npm run records` fetches the items an index query finds.
 */
export interface IndexDefinition {
  /** DynamoDB cannot change an index's keys or projection in place: a change needs a new name (see `replaces`). */
  name: string;
  partitionKey: string;
  sortKey?: string;
  projection: IndexProjection;
  /**
   * The index of the same keys that stacks deployed by an earlier version have under another name, with
   * another projection. Such a stack upgrades in steps, each adding or removing one index per table
   * (infra/index-upgrade.ts; README "Upgrading a deployed stack"); the local stack upgrades its own tables.
   */
  replaces?: { name: string; projection: IndexProjection };
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

/**
 * An index projecting its keys only, named after them (`sender-firstArrivalAt-keys`), as the DynamoDB console
 * lists it. `replaces`: the name the same keys had, projecting ALL, in stacks deployed by earlier versions.
 */
function keysOnlyIndex(partitionKey: string, sortKey: string, former?: { replaces: string }): IndexDefinition {
  return {
    name: `${partitionKey}-${sortKey}-keys`,
    partitionKey,
    sortKey,
    projection: { type: "KEYS_ONLY" },
    ...(former ? { replaces: { name: former.replaces, projection: { type: "ALL" } } } : {}),
  };
}

export const tables = {
  inboundMessages: {
    nameSetting: tableNameSettings.inboundMessages,
    description: "inbound SMS, one item per message (retries counted on it)",
    partitionKey: "messageId",
    indexes: [
      keysOnlyIndex("sender", "firstArrivalAt", { replaces: "bySender" }),
      keysOnlyIndex("recipient", "firstArrivalAt", { replaces: "byRecipient" }),
    ],
  },
  dedupe: {
    nameSetting: tableNameSettings.dedupe,
    description: "dedupe windows and delivery markers (expire on their own)",
    partitionKey: "key",
    indexes: [],
    timeToLiveAttribute: "expiresAtEpoch",
  },
  deliveryReports: {
    nameSetting: tableNameSettings.deliveryReports,
    description: "delivery status of sent SMS, one item per message (from status callbacks)",
    partitionKey: "recordId",
    indexes: [
      keysOnlyIndex("msgId", "firstCallbackAt", { replaces: "byMsgId" }),
      keysOnlyIndex("cKey", "firstCallbackAt", { replaces: "byCKey" }),
    ],
  },
  rejectedRequests: {
    nameSetting: tableNameSettings.rejectedRequests,
    description: "requests that could not be accepted, with the reason",
    partitionKey: "rejectionId",
    indexes: [keysOnlyIndex("route", "receivedAt", { replaces: "byRoute" })],
  },
  sentMessages: {
    nameSetting: tableNameSettings.sentMessages,
    description: "SMS sent through ToBeText, one item per CKey, with their results",
    partitionKey: "ckey",
    indexes: [
      keysOnlyIndex("msgId", "requestedAt"),
      keysOnlyIndex("recipient", "requestedAt"),
      // Sparse: only messages still awaiting a final result have `awaiting`; the sweep finds the overdue ones.
      keysOnlyIndex("awaiting", "resultDueAt"),
    ],
  },
  suppressions: {
    nameSetting: tableNameSettings.suppressions,
    description: "opt-outs (수신거부): one item per number, its state and the SMS that asked",
    partitionKey: "number",
    // Sparse: only a suppressed number's item has `suppressedList`; `npm run records -- --suppressed` queries it.
    indexes: [keysOnlyIndex(suppressionIndexes.suppressed.partitionKey, suppressionIndexes.suppressed.sortKey)],
  },
} as const satisfies Record<TableId, TableDefinition>;

/** A route: the function's contract (label, queue, body limit) and where it lives. */
export interface RouteDefinition extends RouteContract {
  /**
   * Path ToBeText posts to, followed by `/<secret>` (see urlSecretSettings). Any method reaches the
   * handler, so a wrong one gets a ToBeText-style 405; the bare path is routed too, so a request
   * without the secret is answered (404) and counted by the handler rather than by API Gateway.
   */
  path: string;
  /** Module (relative to the repository root) exporting `handler`. */
  entry: string;
  /** Where the customer gives this URL to ToBeText. */
  registration: string;
  /** What its processor counts as it stores what this route accepted: the route's traffic graph. */
  storedMetrics: readonly { name: MetricName; label: string }[];
  /** Environment variable through which a function that gives this URL out (`routeUrls`) learns it, without the secret. */
  urlSetting?: string;
}

export const routes = {
  inboundSms: {
    ...routeContracts.inboundSms,
    path: "/inbound",
    entry: "functions/inbound-sms/handler.ts",
    registration: "Register it with ToBeText as the URL for your Inbound SMS numbers.",
    storedMetrics: [
      { name: metrics.names.inboundStored, label: "new SMS stored" },
      { name: metrics.names.duplicatesAbsorbed, label: "retries and repeats counted" },
    ],
  },
  statusCallback: {
    ...routeContracts.statusCallback,
    path: "/status-callback",
    entry: "functions/status-callback/handler.ts",
    registration: "Give it as the `callback` parameter of each SMS you send through ToBeText.",
    // The sender gives it to ToBeText with each message, the current URL secret appended.
    urlSetting: statusCallbackUrlSetting,
    storedMetrics: [{ name: metrics.names.callbacksStored, label: "callbacks stored" }],
  },
} as const satisfies Record<RouteId, RouteDefinition>;

/** The DynamoDB item actions a function may be granted on a table (IAM's names, without `dynamodb:`). */
export type ItemAction = "GetItem" | "PutItem" | "UpdateItem" | "DeleteItem";

/**
 * What a function may do on one table, exactly the calls its code makes there: item actions on the
 * table itself, and `dynamodb:Query` on each index in `queries` (never on the table, never a scan).
 */
export interface TableAccess {
  items: readonly ItemAction[];
  /** Index names, each one of the table's `indexes`; the synth fails otherwise. */
  queries?: readonly string[];
}

/** Reads by key, conditional puts and updates: what the receive pipeline's processors do on their tables. */
export const readWriteItems = { items: ["GetItem", "PutItem", "UpdateItem"] } as const satisfies TableAccess;

/**
 * Secrets Manager secrets the stack makes. A function that lists one gets its ARN under `arnSetting`
 * (never its value: it reads and caches the secret itself) and read access to that secret alone.
 */
export const secrets = {
  urlSecret: { arnSetting: urlSecretSettings.secretArn },
  /** ToBeText's Cid and token for sending: the stack makes a placeholder; README says how to put the real ones. */
  toBeTextCredentials: { arnSetting: sendCredentialSettings.secretArn },
} as const satisfies Record<string, { arnSetting: string }>;
export type SecretId = keyof typeof secrets;

/**
 * SNS topics the stack makes for downstream systems (README "Events"). A function that lists one in
 * `publishes` gets its ARN under `arnSetting` and `sns:Publish` on it alone.
 */
export const topics = {
  events: {
    arnSetting: eventsTopicSetting,
    description: "events for downstream systems: inbound.received, sent.status-changed, recipient.opted-out/-in",
  },
} as const satisfies Record<string, { arnSetting: string; description: string }>;
export type TopicId = keyof typeof topics;

/** A function run by a trigger (a queue, a schedule), and everything it may reach: nothing it does not list. */
export interface FunctionDefinition {
  /** Module (relative to the repository root) exporting `handler`. */
  entry: string;
  timeoutSeconds: number;
  /** The tables it uses: their names are in its environment, and it has no access to any other. */
  tables: readonly TableId[];
  /** What it may do on each of its tables; `readWriteItems` where not said. The infra tests assert every grant. */
  tableAccess?: { readonly [Table in TableId]?: TableAccess };
  /** The secrets it reads (see `secrets`). */
  secrets?: readonly SecretId[];
  /** The routes whose URL (without the URL secret) it gives out, in its environment under each route's `urlSetting`. */
  routeUrls?: readonly RouteId[];
  /** The topics it publishes to (see `topics`): their ARNs in its environment, `sns:Publish` on each. */
  publishes?: readonly TopicId[];
  /** The queues it puts messages on: their URLs in its environment, `sqs:SendMessage` on each alone. */
  sendsTo?: readonly QueueId[];
}

export interface ConsumerDefinition extends FunctionDefinition {
  queue: QueueId;
}

export const consumers = {
  inboundProcessor: {
    entry: "functions/inbound-processor/handler.ts",
    queue: "inboundSms",
    timeoutSeconds: 10,
    // suppressions: an SMS that is an opt-out or opt-in keyword changes its sender's state (read, then a conditional put).
    tables: ["inboundMessages", "dedupe", "rejectedRequests", "suppressions"],
    tableAccess: { suppressions: { items: ["GetItem", "PutItem"] } },
    // inbound.received for each new SMS; its auto-reply and an opt-out's confirmation, send requests on the outbox.
    publishes: ["events"],
    sendsTo: ["outbox"],
  },
  statusProcessor: {
    entry: "functions/status-processor/handler.ts",
    queue: "statusCallbacks",
    timeoutSeconds: 10,
    // sentMessages: each callback joins the message it reports on, found by its MsgId.
    tables: ["deliveryReports", "dedupe", "rejectedRequests", "sentMessages"],
    tableAccess: { sentMessages: { items: ["GetItem", "UpdateItem"], queries: [sentMessageIndexes.byMsgId] } },
    publishes: ["events"],
  },
  sender: {
    entry: "functions/sender/handler.ts",
    queue: "outbox",
    // ToBeText's answer is awaited at most sendLimits.requestTimeoutMs (10 s); the rest is DynamoDB.
    timeoutSeconds: 30,
    // deliveryReports: a callback that came before the send's answer is joined once the answer is stored.
    // suppressions: one read per send not marked transactional (a number that opted out is refused).
    tables: ["sentMessages", "deliveryReports", "suppressions"],
    tableAccess: {
      sentMessages: { items: ["GetItem", "PutItem", "UpdateItem", "DeleteItem"] },
      deliveryReports: { items: ["GetItem", "UpdateItem"] },
      suppressions: { items: ["GetItem"] },
    },
    secrets: ["toBeTextCredentials", "urlSecret"],
    routeUrls: ["statusCallback"],
    publishes: ["events"],
  },
} as const satisfies Record<string, ConsumerDefinition>;

export interface ScheduleDefinition extends FunctionDefinition {
  /** How often it runs (an EventBridge schedule on AWS, a timer in `npm start`). */
  everyMinutes: number;
}

export const schedules = {
  /**
   * Every sent message reaches a final state: the sweep expires those with no final result by their
   * `resultDueAt` (SEND_RESULT_TIMEOUT_SECONDS after the request), joining any callback that came first.
   */
  resultSweep: {
    entry: "functions/result-sweep/handler.ts",
    everyMinutes: 15,
    timeoutSeconds: 300,
    tables: ["sentMessages", "deliveryReports"],
    tableAccess: {
      sentMessages: { items: ["GetItem", "UpdateItem"], queries: [sentMessageIndexes.awaiting] },
      deliveryReports: { items: ["GetItem", "UpdateItem"] },
    },
    publishes: ["events"],
  },
} as const satisfies Record<string, ScheduleDefinition>;
export type ScheduleId = keyof typeof schedules;

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
  /** Alarm when more than this share of sent messages' final results (over 6 hours, 20 at least) is `expired`. */
  expiredShareAlarmPercent: 10,
} as const;

export const secretRoutePath = (route: RouteDefinition) => `${route.path}/{${secretPathParameter}}`;

/** Limits the API (and the local front, like it) enforces before a function runs. */
export const limits = {
  /**
   * Per route, as API Gateway throttles (token bucket). Far above what one customer's numbers
   * receive, low enough that a flood costs little and leaves the account's Lambda concurrency alone.
   */
  throttle: { rateLimitPerSecond: 50, burstLimit: 100 },
  /**
   * API Gateway's own limit on a request body (10 MB); it answers a larger one 413 itself. Not what
   * reaches a function: Lambda takes at most 6 MB per invocation, for the whole event, in which API
   * Gateway passes a form body base64-encoded (a third larger), so the largest body a receive
   * function can see is about 4.5 MB. The local front applies both limits. Bodies between a route's
   * `maxBodyBytes` and that reach the handler, which answers 413 and keeps the first `maxBodyBytes`.
   */
  apiGatewayMaxBodyBytes: 10 * 1024 * 1024,
} as const;
