/**
 * The whole pipeline on one machine, no AWS account and no Docker: DynamoDB and SQS stand-ins,
 * queues and tables made from the topology, the API Gateway front and the SQS event source
 * mappings, all running the very handler modules that Lambda runs.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { listSetting } from "../../functions/config/settings.ts";
import {
  consumers,
  limits,
  type QueueDefinition,
  type QueueId,
  queues,
  type RouteDefinition,
  type RouteId,
  routes,
  secretRoutePath,
  settingDefaults,
  type TableDefinition,
  type TableId,
  tables,
  urlSecretSettings,
} from "../topology.ts";
import { type HttpHandler, type RunningHttpFront, startHttpFront } from "./http-front.ts";
import { type RunningPoller, type SqsHandler, startSqsPoller } from "./sqs-poller.ts";
import {
  type DynamoDbTarget,
  localCredentials,
  localRegion,
  type RunningService,
  startDynamoDb,
  startSqs,
} from "./stand-ins.ts";

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
  dynamoDb?: DynamoDbTarget;
  /** Settings (TOBETEXT_PREFIXES, ...) over the environment's and the defaults. */
  settings?: Record<string, string>;
  /** For tests: queue timings shorter than production's. */
  queueOverrides?: Partial<Pick<QueueDefinition, "visibilityTimeoutSeconds" | "maxReceiveCount">>;
  /** Route throttling as on API Gateway (default on); the benchmark turns it off to measure the pipeline. */
  throttle?: boolean;
  /**
   * Whether the processors consume their queues (default on). For tests of what a restart keeps:
   * without them, accepted messages wait in their queues.
   */
  processors?: boolean;
}

export interface LocalStack {
  urls: Record<RouteId, string>;
  dynamoDbTarget: DynamoDbTarget;
  dynamoDbEndpoint: string;
  sqsEndpoint: string;
  tableNames: Record<TableId, string>;
  queueUrls: Record<QueueId, string>;
  deadLetterQueueUrls: Record<QueueId, string>;
  /** Where DynamoDB and SQS keep their data; undefined when in memory. */
  dataDirs: { dynamoDb: string; sqs: string } | undefined;
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

/** Local table names: the topology's ids, readable in a console or the records tool. */
const localTableName = (id: TableId) => `tobetext-${id}`;
const localQueueName = (id: QueueId) => `tobetext-${id}`;

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dynamoDbTarget = options.dynamoDb ?? (process.env.DYNAMODB_TARGET as DynamoDbTarget | undefined) ?? "dynalite";
  const started: RunningService[] = [];
  const pollers: RunningPoller[] = [];
  let front: RunningHttpFront | undefined;
  let stopped: Promise<void> | undefined;
  // In this order, so that each step still has what it needs: requests in progress send to SQS,
  // batches in progress write to DynamoDB. Once only: a second Ctrl-C or stop() waits for the first.
  const stop = () => {
    stopped ??= (async () => {
      await front?.close();
      await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
      for (const service of started.splice(0).reverse()) await service.stop();
    })();
    return stopped;
  };
  const dataDirs = options.dataDir
    ? { dynamoDb: resolve(options.dataDir, dynamoDbTarget), sqs: resolve(options.dataDir, "fauxqs") }
    : undefined;
  try {
    const dynamoDb = await startDynamoDb(dynamoDbTarget, dataDirs?.dynamoDb);
    started.push(dynamoDb);
    const sqsService = await startSqs(dataDirs?.sqs);
    started.push(sqsService);

    const tableNames = await createTables(dynamoDb.endpoint);
    const sqs = new SQSClient({ endpoint: sqsService.endpoint, region: localRegion, credentials: localCredentials });
    const createdQueues = await createQueues(sqs, sqsService.endpoint, options.queueOverrides ?? {});

    // The functions read their settings at module load, as on Lambda: set them before importing.
    Object.assign(process.env, {
      AWS_REGION: localRegion,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsService.endpoint,
      ...Object.fromEntries(Object.entries(settingDefaults).filter(([name]) => process.env[name] === undefined)),
      ...options.settings,
      ...Object.fromEntries(
        Object.entries(tables).map(([id, table]) => [table.nameSetting, tableNames[id as TableId]]),
      ),
      ...Object.fromEntries(
        Object.entries(queues).map(([id, queue]) => [queue.urlSetting, createdQueues[id as QueueId].url]),
      ),
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
    front = await startHttpFront({
      routes: localRoutes,
      port: options.port,
      host: options.host ?? "127.0.0.1",
      maxBodyBytes: limits.apiGatewayMaxBodyBytes,
    });
    const baseUrl = front.url;

    return {
      urls: Object.fromEntries(
        Object.entries(routes).map(([id, route]) => [id, `${baseUrl}${route.path}/${currentSecret ?? ""}`]),
      ) as Record<RouteId, string>,
      dynamoDbTarget,
      dynamoDbEndpoint: dynamoDb.endpoint,
      sqsEndpoint: sqsService.endpoint,
      tableNames,
      queueUrls: mapQueues(createdQueues, (queue) => queue.url),
      deadLetterQueueUrls: mapQueues(createdQueues, (queue) => queue.deadLetterUrl),
      dataDirs,
      idle: async () => {
        await Promise.all(pollers.map((poller) => poller.idle()));
      },
      stopSqs: async () => {
        await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
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

async function importHandler<T>(entry: string): Promise<T> {
  const module = (await import(pathToFileURL(resolve(repositoryRoot, entry)).href)) as { handler: T };
  return module.handler;
}

/** Tables exactly as the CDK stack defines them: keys, indexes, on-demand billing. */
function createTableInput(tableName: string, table: TableDefinition): CreateTableCommandInput {
  const attributes = new Set<string>([table.partitionKey]);
  if (table.sortKey) attributes.add(table.sortKey);
  for (const index of table.indexes) {
    attributes.add(index.partitionKey);
    if (index.sortKey) attributes.add(index.sortKey);
  }
  const keySchema = (partitionKey: string, sortKey?: string) => [
    { AttributeName: partitionKey, KeyType: "HASH" as const },
    ...(sortKey ? [{ AttributeName: sortKey, KeyType: "RANGE" as const }] : []),
  ];
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: "S" })),
    KeySchema: keySchema(table.partitionKey, table.sortKey),
    ...(table.indexes.length > 0
      ? {
          GlobalSecondaryIndexes: table.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: "ALL" },
          })),
        }
      : {}),
  };
}

async function createTables(endpoint: string): Promise<Record<TableId, string>> {
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
  const names = {} as Record<TableId, string>;
  try {
    for (const [id, table] of Object.entries(tables) as [TableId, TableDefinition][]) {
      names[id] = localTableName(id);
      try {
        await client.send(new CreateTableCommand(createTableInput(names[id], table)));
      } catch (error) {
        // Kept from an earlier run (data on disk): use it as it is.
        if (!(error instanceof ResourceInUseException)) throw error;
      }
    }
  } finally {
    client.destroy();
  }
  return names;
}

interface CreatedQueue {
  url: string;
  arn: string;
  deadLetterUrl: string;
}

async function createQueues(
  sqs: SQSClient,
  endpoint: string,
  overrides: LocalStackOptions["queueOverrides"] & object,
): Promise<Record<QueueId, CreatedQueue>> {
  const created = {} as Record<QueueId, CreatedQueue>;
  for (const [id, definition] of Object.entries(queues) as [QueueId, QueueDefinition][]) {
    const queue = { ...definition, ...overrides };
    const deadLetter = await createQueue(sqs, endpoint, `${localQueueName(id)}-dlq`, {
      MessageRetentionPeriod: String(queue.deadLetterRetentionDays * 86_400),
      MaximumMessageSize: String(queue.maxMessageBytes),
    });
    const main = await createQueue(sqs, endpoint, localQueueName(id), {
      VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(queue.retentionDays * 86_400),
      MaximumMessageSize: String(queue.maxMessageBytes),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetter.arn, maxReceiveCount: queue.maxReceiveCount }),
    });
    created[id] = { url: main.url, arn: main.arn, deadLetterUrl: deadLetter.url };
  }
  return created;
}

/** Creates the queue, or brings one kept from an earlier run (data on disk) up to these attributes. */
async function createQueue(sqs: SQSClient, endpoint: string, name: string, attributes: Record<string, string>) {
  let queueUrl: string | undefined;
  try {
    ({ QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })));
  } catch (error) {
    // As SQS does, fauxqs refuses to re-create a queue whose attributes differ (the topology changed,
    // or a test's overrides): keep the queue and its messages, and set the attributes instead.
    if (!isQueueNameExists(error)) throw error;
    ({ QueueUrl: queueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name })));
    if (queueUrl) await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: attributes }));
  }
  if (!queueUrl) throw new Error(`queue ${name} was not created`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${name} has no ARN`);
  return { url: withCurrentPort(queueUrl, endpoint), arn };
}

/** The SDK's QueueNameExists; fauxqs names the error by its query-protocol code, which the SDK leaves unmapped. */
function isQueueNameExists(error: unknown): boolean {
  return error instanceof QueueNameExists || (error as Error).name === "AWS.SimpleQueueService.QueueNameExists";
}

/**
 * fauxqs keeps a queue's URL from the run that created it, port included, and finds queues by name
 * whatever the port: give the URL this run's port, so that it names where SQS listens now.
 */
function withCurrentPort(queueUrl: string, endpoint: string): string {
  const url = new URL(queueUrl);
  url.port = new URL(endpoint).port;
  return url.toString();
}

function mapQueues<T>(created: Record<QueueId, CreatedQueue>, pick: (queue: CreatedQueue) => T): Record<QueueId, T> {
  return Object.fromEntries(Object.entries(created).map(([id, queue]) => [id, pick(queue)])) as Record<QueueId, T>;
}
