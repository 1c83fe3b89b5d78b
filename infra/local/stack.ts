/**
 * The whole pipeline on one machine, no AWS account and no Docker: DynamoDB and SQS stand-ins,
 * queues and tables made from the topology, the API Gateway front and the SQS event source
 * mappings, all running the very handler modules that Lambda runs.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { listSetting } from "../../functions/config/settings.ts";
import { type RunningSimulator, type SimulatorOptions, startToBeTextSimulator } from "../simulator/simulator.ts";
import {
  consumers,
  limits,
  type QueueDefinition,
  type QueueId,
  queues,
  type RouteDefinition,
  type RouteId,
  routes,
  type ScheduleId,
  schedules,
  secretRoutePath,
  sendCredentialSettings,
  settingDefaults,
  settingNames,
  statusCallbackUrlSetting,
  type TableId,
  type TopicId,
  tables,
  topics,
  urlSecretSettings,
} from "../topology.ts";
import { connectExistingDynamoDb, type DynamoDbAccess, dynamoDbClient } from "./dynamodb-access.ts";
import { createTopics, type RunningEventsLog, startEventsLog } from "./events-log.ts";
import { type HttpHandler, type RunningHttpFront, startHttpFront } from "./http-front.ts";
import { invokeWithTimeout, type LambdaHandler } from "./invoke.ts";
import { type CreatedQueue, createQueues, prepareTables, type QueueOverrides } from "./resources.ts";
import { type DynamoDbChoice, dynamoDbChoice, dynamoDbTablePrefix } from "./settings.ts";
import { type RunningPoller, type SqsHandler, startSqsPoller } from "./sqs-poller.ts";
import {
  type DynamoDbTarget,
  localCredentials,
  localRegion,
  type RunningService,
  startDynamoDb,
  startSqs,
} from "./stand-ins.ts";
import type { LocalStackState } from "./state.ts";
import type { IndexUpgrade } from "./table-upgrade.ts";

const repositoryRoot = resolve(import.meta.dirname, "../..");

export interface LocalStackOptions {
  /** HTTP port for the routes; 0 picks a free one. */
  port: number;
  host?: string;
  /**
   * Where the stand-ins keep their data, DynamoDB in `<dataDir>/<dynamoDb target>` and SQS in
   * `<dataDir>/fauxqs`, so records and queued messages survive a restart; undefined keeps all in memory.
   */
  dataDir?: string;
  /**
   * Which DynamoDB: a stand-in to start (`{ target }` or its name), or `{ endpoint }`, one that already
   * runs (its tables created there if missing); defaults to DYNAMODB_TARGET or DYNAMODB_ENDPOINT
   * (settings.ts), else dynalite.
   */
  dynamoDb?: DynamoDbTarget | DynamoDbChoice;
  /** Table names' prefix; defaults to DYNAMODB_TABLE_PREFIX (settings.ts), else `tobetext-`. */
  tablePrefix?: string;
  /** Settings (TOBETEXT_PREFIXES, ...) over the environment's and the defaults. */
  settings?: Record<string, string>;
  /** For tests: queue timings shorter than production's. */
  queueOverrides?: QueueOverrides;
  /** Route throttling as on API Gateway (default on); the benchmark turns it off to measure the pipeline. */
  throttle?: boolean;
  /**
   * Whether the processors consume their queues (default on). For tests of what a restart keeps:
   * without them, accepted messages wait in their queues.
   */
  processors?: boolean;
  /**
   * The ToBeText simulator the sender sends to (default: started, on a free port, unless
   * TOBETEXT_API_URL is set); `false`: none (the sender sends to TOBETEXT_API_URL, or ToBeText's).
   */
  simulator?: false | Omit<SimulatorOptions, "credentials">;
  /** How often the scheduled functions run (default: each schedule's `everyMinutes`); 0: only on `runSchedule`. */
  scheduleIntervalMs?: number;
  /**
   * Where the events published are logged (events-log.ts): default `<dataDir>/events.jsonl`, or, in
   * memory, a file in a temporary folder removed on stop.
   */
  eventsLog?: string;
}

export interface LocalStack {
  urls: Record<RouteId, string>;
  /** The stand-in started, or `endpoint`: a DynamoDB that already ran (DYNAMODB_ENDPOINT), left running on stop. */
  dynamoDbTarget: DynamoDbTarget | "endpoint";
  dynamoDbEndpoint: string;
  /** How the functions and the tools reach DynamoDB: region, and whose credentials. */
  dynamoDbAccess: DynamoDbAccess;
  sqsEndpoint: string;
  tableNames: Record<TableId, string>;
  /** The tables this start created; the others were there already. */
  tablesCreated: TableId[];
  /** The existing tables whose indexes this start brought up to the topology's (made by an earlier version). */
  tablesUpgraded: Partial<Record<TableId, IndexUpgrade>>;
  queueUrls: Record<QueueId, string>;
  deadLetterQueueUrls: Record<QueueId, string>;
  /** Where DynamoDB and SQS keep their data (DynamoDB's undefined at an endpoint); undefined when in memory. */
  dataDirs: { dynamoDb: string | undefined; sqs: string } | undefined;
  /** The ToBeText simulator the sender sends to, when this stack started one. */
  simulator: RunningSimulator | undefined;
  /** Where the sender sends: the simulator's send URL, or TOBETEXT_API_URL. */
  sendApiUrl: string;
  /** The user settings (README "Configuration") its functions started with: `npm run replay` decides with them. */
  settings: Record<string, string>;
  /** The topics' ARNs on fauxqs's SNS (the functions publish there). */
  topicArns: Record<TopicId, string>;
  /** The events log: every event published, one JSON document a line (`npm run events`). */
  eventsLog: string;
  /** Runs a scheduled function now, as its schedule would (the result sweep). */
  runSchedule(id: ScheduleId): Promise<unknown>;
  /** Resolves when every poller has nothing in flight. */
  idle(): Promise<void>;
  /** For fault tests: SQS goes away (connections refused), as in an outage. */
  stopSqs(): Promise<void>;
  /**
   * Stops as a deployment drains: no new requests, the ones in progress answered, the batches the
   * processors hold finished (no new receives), then the stand-ins. What is still queued stays queued.
   */
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const choice =
    options.dynamoDb === undefined
      ? dynamoDbChoice()
      : typeof options.dynamoDb === "string"
        ? { target: options.dynamoDb }
        : options.dynamoDb;
  const tablePrefix = options.tablePrefix ?? dynamoDbTablePrefix();
  const dynamoDbTarget = "endpoint" in choice ? "endpoint" : choice.target;
  const started: RunningService[] = [];
  const pollers: RunningPoller[] = [];
  const timers: NodeJS.Timeout[] = [];
  let simulator: RunningSimulator | undefined;
  let front: RunningHttpFront | undefined;
  let eventsLog: RunningEventsLog | undefined;
  let temporaryDir: string | undefined;
  let stopped: Promise<void> | undefined;
  // In this order, so that each step still has what it needs: requests in progress send to SQS,
  // batches in progress write to DynamoDB. Once only: a second Ctrl-C or stop() waits for the first.
  const stop = () => {
    stopped ??= (async () => {
      for (const timer of timers.splice(0)) clearInterval(timer);
      await front?.close();
      await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
      await simulator?.stop();
      // After the functions: what they published in their last batches is logged too.
      await eventsLog?.idle().catch(() => undefined);
      await eventsLog?.stop();
      for (const service of started.splice(0).reverse()) await service.stop();
      if (temporaryDir) await rm(temporaryDir, { recursive: true, force: true });
    })();
    return stopped;
  };
  const dataDirs = options.dataDir
    ? {
        dynamoDb: "endpoint" in choice ? undefined : resolve(options.dataDir, choice.target),
        sqs: resolve(options.dataDir, "fauxqs"),
      }
    : undefined;
  try {
    // A DynamoDB that already runs is used with the user's own credentials and region (the functions'
    // SDK clients resolve them as any AWS SDK does), filled in with local ones only where none are set;
    // SQS, fauxqs here, accepts any credentials. The stand-ins get the local ones, for every client.
    let dynamoDbAccess: DynamoDbAccess;
    let awsEnvironment: Record<string, string>;
    let tablesWhere: string;
    let tablesRemedy: (tables: string) => string;
    if ("endpoint" in choice) {
      const existing = await connectExistingDynamoDb(choice.endpoint);
      dynamoDbAccess = existing.access;
      awsEnvironment = existing.environment;
      tablesWhere = `DynamoDB at ${choice.endpoint}`;
      tablesRemedy = (those) => `set another DYNAMODB_TABLE_PREFIX, or delete or rename ${those} there`;
    } else {
      const dynamoDb = await startDynamoDb(choice.target, dataDirs?.dynamoDb);
      started.push(dynamoDb);
      dynamoDbAccess = { endpoint: dynamoDb.endpoint, region: localRegion, credentials: "local" };
      awsEnvironment = {
        AWS_REGION: localRegion,
        AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      };
      tablesWhere = `${choice.target} in ${dataDirs?.dynamoDb ?? "memory"}`;
      const kept = dataDirs?.dynamoDb;
      tablesRemedy = () =>
        kept ? `delete ${kept} to start with empty tables, or set another DYNAMODB_TABLE_PREFIX` : "";
    }
    const sqsService = await startSqs(dataDirs?.sqs);
    started.push(sqsService);

    const dynamo = dynamoDbClient(dynamoDbAccess);
    const {
      names: tableNames,
      created: tablesCreated,
      upgraded: tablesUpgraded,
    } = await prepareTables(dynamo, {
      prefix: tablePrefix,
      where: tablesWhere,
      remedy: tablesRemedy,
      // dynalite answers UpdateTable's index changes without making them: its tables are rebuilt instead.
      updatesIndexes: dynamoDbTarget !== "dynalite",
    }).finally(() => dynamo.destroy());
    const sqs = new SQSClient({ endpoint: sqsService.endpoint, region: localRegion, credentials: localCredentials });
    const createdQueues = await createQueues(sqs, sqsService.endpoint, options.queueOverrides ?? {});
    // fauxqs serves SNS on the same endpoint: the topics, and the events log's subscription, before any function runs.
    const sns = new SNSClient({ endpoint: sqsService.endpoint, region: localRegion, credentials: localCredentials });
    const topicArns = await createTopics(sns);
    if (!options.eventsLog && !options.dataDir) temporaryDir = await mkdtemp(join(tmpdir(), "tobetext-events-"));
    const eventsLogPath = resolve(options.eventsLog ?? join(options.dataDir ?? temporaryDir ?? "", "events.jsonl"));
    eventsLog = await startEventsLog({ sns, sqs, topicArn: topicArns.events, path: eventsLogPath });

    // The sender's ToBeText: the simulator, unless the user named one (TOBETEXT_API_URL) or asked for none.
    const configuredApiUrl = options.settings?.[settingNames.sendApiUrl] ?? process.env[settingNames.sendApiUrl];
    const credentials = {
      cid:
        options.settings?.[sendCredentialSettings.cid] ??
        process.env[sendCredentialSettings.cid] ??
        localSendCredentials.cid,
      token:
        options.settings?.[sendCredentialSettings.token] ??
        process.env[sendCredentialSettings.token] ??
        localSendCredentials.token,
    };
    if (options.simulator !== false && !configuredApiUrl) {
      simulator = await startToBeTextSimulator({ port: 0, ...options.simulator, credentials });
    }
    const sendApiUrl = simulator?.sendUrl ?? configuredApiUrl ?? settingDefaults[settingNames.sendApiUrl];

    // The functions read their settings at module load, as on Lambda: set them before importing.
    Object.assign(process.env, {
      ...awsEnvironment,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDbAccess.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsService.endpoint,
      AWS_ENDPOINT_URL_SNS: sqsService.endpoint,
      ...Object.fromEntries(Object.entries(settingDefaults).filter(([name]) => process.env[name] === undefined)),
      ...options.settings,
      [settingNames.sendApiUrl]: sendApiUrl,
      [sendCredentialSettings.cid]: credentials.cid,
      [sendCredentialSettings.token]: credentials.token,
      ...Object.fromEntries(
        Object.entries(tables).map(([id, table]) => [table.nameSetting, tableNames[id as TableId]]),
      ),
      ...Object.fromEntries(
        Object.entries(queues).map(([id, queue]) => [queue.urlSetting, createdQueues[id as QueueId].url]),
      ),
      ...Object.fromEntries(Object.entries(topics).map(([id, topic]) => [topic.arnSetting, topicArns[id as TopicId]])),
    });

    // As on API Gateway: the bare path too, so the handler answers and counts a request without the secret.
    const throttle = options.throttle === false ? {} : { throttle: limits.throttle };
    const localRoutes = [];
    for (const route of Object.values(routes) as RouteDefinition[]) {
      const handler = await importHandler<HttpHandler>(route.entry);
      localRoutes.push(
        { path: route.path, handler, ...throttle },
        { path: secretRoutePath(route), handler, ...throttle },
      );
    }
    const [currentSecret] = listSetting(process.env, urlSecretSettings.secrets);
    front = await startHttpFront({
      routes: localRoutes,
      port: options.port,
      host: options.host ?? "127.0.0.1",
      maxBodyBytes: limits.apiGatewayMaxBodyBytes,
    });
    const baseUrl = front.url;
    // Known once the front listens; the sender, which gives it to ToBeText, is imported after.
    process.env[statusCallbackUrlSetting] = `${baseUrl}${routes.statusCallback.path}`;

    for (const [name, consumer] of Object.entries(options.processors === false ? {} : consumers)) {
      const queue: QueueDefinition = queues[consumer.queue];
      pollers.push(
        startSqsPoller({
          sqs,
          queueUrl: createdQueues[consumer.queue].url,
          queueArn: createdQueues[consumer.queue].arn,
          region: localRegion,
          handler: await importHandler<SqsHandler>(consumer.entry),
          functionName: name,
          timeoutMs: consumer.timeoutSeconds * 1000,
          batchSize: queue.batchSize,
          maxBatchingWindowSeconds: queue.maxBatchingWindowSeconds,
          maximumConcurrency: queue.maximumConcurrency,
          onError: (error) => console.error(`[${name}] SQS poll failed:`, error),
        }),
      );
    }
    const scheduled = {} as Record<ScheduleId, () => Promise<unknown>>;
    for (const [id, schedule] of Object.entries(schedules) as [ScheduleId, (typeof schedules)[ScheduleId]][]) {
      const handler = await importHandler<LambdaHandler<ScheduledEvent, unknown>>(schedule.entry);
      scheduled[id] = async () => {
        const outcome = await invokeWithTimeout(handler, scheduledEvent(), {
          functionName: id,
          timeoutMs: schedule.timeoutSeconds * 1000,
          region: localRegion,
        });
        if (outcome.settled === "failed") throw outcome.reason;
        return outcome.value;
      };
      const everyMs = options.scheduleIntervalMs ?? schedule.everyMinutes * 60_000;
      if (everyMs > 0 && options.processors !== false) {
        timers.push(
          setInterval(() => {
            scheduled[id]().catch((error: unknown) => console.error(`[${id}] scheduled run failed:`, error));
          }, everyMs).unref(),
        );
      }
    }

    return {
      urls: Object.fromEntries(
        Object.entries(routes).map(([id, route]) => [id, `${baseUrl}${route.path}/${currentSecret ?? ""}`]),
      ) as Record<RouteId, string>,
      dynamoDbTarget,
      dynamoDbEndpoint: dynamoDbAccess.endpoint,
      dynamoDbAccess,
      sqsEndpoint: sqsService.endpoint,
      tableNames,
      tablesCreated,
      tablesUpgraded,
      queueUrls: mapQueues(createdQueues, (queue) => queue.url),
      deadLetterQueueUrls: mapQueues(createdQueues, (queue) => queue.deadLetterUrl),
      dataDirs,
      simulator,
      sendApiUrl,
      settings: Object.fromEntries(Object.values(settingNames).map((name) => [name, process.env[name] ?? ""])),
      topicArns,
      eventsLog: eventsLogPath,
      runSchedule: (id) => scheduled[id](),
      idle: async () => {
        await Promise.all(pollers.map((poller) => poller.idle()));
        await eventsLog?.idle();
      },
      stopSqs: async () => {
        await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
        await eventsLog?.stop();
        eventsLog = undefined;
        await sqsService.stop();
        started.splice(started.indexOf(sqsService), 1);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What a running stack tells the local tools (records, smoke, redrive) through its state file. */
export function localStackState(stack: LocalStack): LocalStackState {
  return {
    dynamoDbEndpoint: stack.dynamoDbEndpoint,
    dynamoDbRegion: stack.dynamoDbAccess.region,
    dynamoDbCredentials: stack.dynamoDbAccess.credentials,
    sqsEndpoint: stack.sqsEndpoint,
    region: localRegion,
    tableNames: stack.tableNames,
    queueUrls: stack.queueUrls,
    deadLetterQueueUrls: stack.deadLetterQueueUrls,
    urls: stack.urls,
    sendApiUrl: stack.sendApiUrl,
    settings: stack.settings,
    ...(stack.simulator ? { simulatorUrl: stack.simulator.url } : {}),
    eventsLog: stack.eventsLog,
    pid: process.pid,
  };
}

/** What `npm start` sends from when neither TOBETEXT_SENDER nor TOBETEXT_NUMBERS is set: a placeholder. */
export const localDefaultSender = "02-1234-5678";

/** The credentials the local sender and the simulator share, unless TOBETEXT_CID and TOBETEXT_TOKEN are set. */
export const localSendCredentials = { cid: "local-cid", token: "local-token" } as const;

interface ScheduledEvent {
  "detail-type": "Scheduled Event";
  source: "aws.events";
  time: string;
}

/** What EventBridge hands a scheduled function (the fields these functions could read). */
const scheduledEvent = (): ScheduledEvent => ({
  "detail-type": "Scheduled Event",
  source: "aws.events",
  time: new Date().toISOString(),
});

async function importHandler<T>(entry: string): Promise<T> {
  const module = (await import(pathToFileURL(resolve(repositoryRoot, entry)).href)) as { handler: T };
  return module.handler;
}

function mapQueues<T>(created: Record<QueueId, CreatedQueue>, pick: (queue: CreatedQueue) => T): Record<QueueId, T> {
  return Object.fromEntries(Object.entries(created).map(([id, queue]) => [id, pick(queue)])) as Record<QueueId, T>;
}
