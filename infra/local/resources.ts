/**
 * The local stack's tables and queues, made from the topology as the CDK stack makes them: the same keys
 * and indexes, the same queue attributes and redrive policies. Kept from an earlier run (data on disk), or
 * already in a DynamoDB that runs (DYNAMODB_ENDPOINT), they are used as they are: a table as it is once its
 * keys and indexes are checked, a queue brought up to the topology's attributes.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
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

/** For tests: queue timings shorter than production's. */
export type QueueOverrides = Partial<Pick<QueueDefinition, "visibilityTimeoutSeconds" | "maxReceiveCount">>;

/** Local table names: the topology's ids after a prefix (DYNAMODB_TABLE_PREFIX), readable in a console or the records tool. */
const localTableName = (prefix: string, id: TableId) => `${prefix}${id}`;
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

export interface PreparedTables {
  names: Record<TableId, string>;
  /** The tables this call created; the others were there already, and are used as they are. */
  created: TableId[];
}

/**
 * Creates the topology's tables that are missing, and uses those that exist as they are, once checked:
 * a table whose key, or one of whose indexes, is not the topology's is refused before anything is
 * created, in one line naming `where` the tables are, what differs, and the `remedy`. Resolves once every table is ACTIVE
 * (AWS's DynamoDB creates them in the background).
 */
export async function prepareTables(
  client: DynamoDBClient,
  options: { prefix: string; where: string; remedy: (tables: "that table" | "those tables") => string },
): Promise<PreparedTables> {
  const definitions = Object.entries(tables) as [TableId, TableDefinition][];
  const names = Object.fromEntries(definitions.map(([id]) => [id, localTableName(options.prefix, id)])) as Record<
    TableId,
    string
  >;
  const existing = new Map<TableId, TableDescription>();
  for (const [id] of definitions) {
    const description = await describeTable(client, names[id]);
    if (description) existing.set(id, description);
  }
  const mismatches = [...existing].flatMap(([id, description]) => {
    const found = schemaMismatches(tables[id], description);
    return found.length > 0 ? [`${names[id]} ${found.join(", ")}`] : [];
  });
  if (mismatches.length > 0) {
    const one = mismatches.length === 1;
    const remedy = options.remedy(one ? "that table" : "those tables");
    throw new Error(
      `${one ? "a table" : "tables"} in ${options.where} ${one ? "is" : "are"} not as infra/topology.ts defines ` +
        `${one ? "it" : "them"}: ${mismatches.join("; ")}${remedy ? `; ${remedy}` : ""}`,
    );
  }
  const created: TableId[] = [];
  for (const [id, table] of definitions) {
    if (existing.has(id)) continue;
    try {
      await client.send(new CreateTableCommand(createTableInput(names[id], table)));
      created.push(id);
    } catch (error) {
      // Made meanwhile by another start on the same DynamoDB: from the same topology.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  for (const [id] of definitions) await waitUntilActive(client, names[id]);
  return { names, created };
}

async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** How an existing table's keys and indexes differ from the topology's, one phrase each; none when they match. */
function schemaMismatches(table: TableDefinition, description: TableDescription): string[] {
  const types = new Map(
    (description.AttributeDefinitions ?? []).map((attribute) => [attribute.AttributeName, attribute.AttributeType]),
  );
  const describe = (schema: KeySchemaElement[] | undefined) =>
    (schema ?? [])
      .slice()
      .sort((a, b) => (a.KeyType === "HASH" ? -1 : b.KeyType === "HASH" ? 1 : 0))
      .map((key) => `${key.AttributeName}:${types.get(key.AttributeName ?? "") ?? "?"}`)
      .join(" + ");
  const expected = (partitionKey: string, sortKey?: string) =>
    [partitionKey, ...(sortKey ? [sortKey] : [])].map((name) => `${name}:S`).join(" + ");
  const mismatches: string[] = [];
  const key = describe(description.KeySchema);
  if (key !== expected(table.partitionKey, table.sortKey)) {
    mismatches.push(`is keyed ${key}, not ${expected(table.partitionKey, table.sortKey)}`);
  }
  for (const index of table.indexes) {
    const found = description.GlobalSecondaryIndexes?.find((candidate) => candidate.IndexName === index.name);
    const wanted = expected(index.partitionKey, index.sortKey);
    if (!found) {
      mismatches.push(`has no index ${index.name} (${wanted})`);
    } else if (describe(found.KeySchema) !== wanted) {
      mismatches.push(`has its index ${index.name} keyed ${describe(found.KeySchema)}, not ${wanted}`);
    }
  }
  return mismatches;
}

/** AWS's DynamoDB creates a table, and its indexes, in the background; the stand-ins at once. */
async function waitUntilActive(client: DynamoDBClient, tableName: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const description = await describeTable(client, tableName);
    const active =
      description?.TableStatus === "ACTIVE" &&
      (description.GlobalSecondaryIndexes ?? []).every((index) => (index.IndexStatus ?? "ACTIVE") === "ACTIVE");
    if (active) return;
    if (Date.now() > deadline) {
      throw new Error(`table ${tableName} is not ACTIVE after ${timeoutMs / 1000} s (${description?.TableStatus})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
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
