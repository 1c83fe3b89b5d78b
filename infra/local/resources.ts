/**
 * The local stack's tables and queues, made from the topology as the CDK stack makes them: the same keys
 * and indexes, the same queue attributes and redrive policies. Kept from an earlier run (data on disk),
 * they are used as they are: a table as it is, a queue brought up to the topology's attributes.
 */
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
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { type QueueDefinition, type QueueId, queues, type TableDefinition, type TableId, tables } from "../topology.ts";
import { localCredentials, localRegion } from "./stand-ins.ts";

/** For tests: queue timings shorter than production's. */
export type QueueOverrides = Partial<Pick<QueueDefinition, "visibilityTimeoutSeconds" | "maxReceiveCount">>;

/** Local table names: the topology's ids, readable in a console or the records tool. */
const localTableName = (id: TableId) => `tobetext-${id}`;
const localQueueName = (id: QueueId) => `tobetext-${id}`;

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

export async function createTables(endpoint: string): Promise<Record<TableId, string>> {
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

export interface CreatedQueue {
  url: string;
  arn: string;
  deadLetterUrl: string;
}

export async function createQueues(
  sqs: SQSClient,
  endpoint: string,
  overrides: QueueOverrides,
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
