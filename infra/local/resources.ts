/**
 * The local stack's tables and queues, made from the topology as the CDK stack makes them: the same keys
 * and indexes, the same queue attributes and redrive policies. Kept from an earlier run (data on disk), or
 * already in a DynamoDB that runs (DYNAMODB_ENDPOINT), they are used as they are: a table as it is once its
 * key and indexes are checked (the indexes of an earlier version upgraded, its items kept), a queue brought
 * up to the topology's attributes.
 */
import { CreateTableCommand, type DynamoDBClient, ResourceInUseException } from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { type QueueDefinition, type QueueId, queues, type TableDefinition, type TableId, tables } from "../topology.ts";
import { createTableInput, describeTable, planTable, type TablePlan, waitUntilActive } from "./table-schema.ts";
import { type IndexUpgrade, resumeRebuild, upgradeIndexes } from "./table-upgrade.ts";

/** For tests: queue timings shorter than production's. */
export type QueueOverrides = Partial<Pick<QueueDefinition, "visibilityTimeoutSeconds" | "maxReceiveCount">>;

/** Local table names: the topology's ids after a prefix (DYNAMODB_TABLE_PREFIX), readable in a console or the records tool. */
const localTableName = (prefix: string, id: TableId) => `${prefix}${id}`;
const localQueueName = (id: QueueId) => `tobetext-${id}`;

export interface PreparedTables {
  names: Record<TableId, string>;
  /** The tables this call created; the others were there already, and are used as they are. */
  created: TableId[];
  /** The existing tables whose indexes this call brought up to the topology's, and how. */
  upgraded: Partial<Record<TableId, IndexUpgrade>>;
}

export interface PrepareTablesOptions {
  prefix: string;
  /** Where the tables are, for messages: "dynalite in .local/dynalite", "DynamoDB at http://...". */
  where: string;
  /** What the user can do about a table that cannot be used. */
  remedy: (tables: "that table" | "those tables") => string;
  /** Whether this DynamoDB adds and removes a table's indexes (UpdateTable); dynalite does not. */
  updatesIndexes: boolean;
}

/**
 * Creates the topology's tables that are missing, and uses those that exist, once checked: a table whose
 * key, or one of whose indexes, is not the topology's is refused before anything is created or changed, in
 * one line naming `where` the tables are, what differs, and the `remedy`. An existing table lacking the
 * topology's indexes, or still having the former ones they replace (made by an earlier version), is
 * upgraded, its items kept (table-upgrade.ts). Resolves once every table is ACTIVE (AWS's DynamoDB creates
 * tables and indexes in the background).
 */
export async function prepareTables(client: DynamoDBClient, options: PrepareTablesOptions): Promise<PreparedTables> {
  const definitions = Object.entries(tables) as [TableId, TableDefinition][];
  const names = Object.fromEntries(definitions.map(([id]) => [id, localTableName(options.prefix, id)])) as Record<
    TableId,
    string
  >;
  // A rebuild cut short is finished first, so that a table it had deleted is restored, never made empty.
  for (const [id, table] of definitions) await resumeRebuild(client, names[id], table);
  const plans = new Map<TableId, TablePlan>();
  for (const [id, table] of definitions) {
    const description = await describeTable(client, names[id]);
    if (description) plans.set(id, planTable(table, description));
  }
  const refusals = [...plans].flatMap(([id, plan]) =>
    plan.refusals.length > 0 ? [`${names[id]} ${plan.refusals.join(", ")}`] : [],
  );
  if (refusals.length > 0) {
    const one = refusals.length === 1;
    const remedy = options.remedy(one ? "that table" : "those tables");
    throw new Error(
      `${one ? "a table" : "tables"} in ${options.where} ${one ? "is" : "are"} not as infra/topology.ts defines ` +
        `${one ? "it" : "them"}: ${refusals.join("; ")}${remedy ? `; ${remedy}` : ""}`,
    );
  }
  const upgraded: PreparedTables["upgraded"] = {};
  for (const [id, plan] of plans) {
    if (plan.add.length === 0 && plan.remove.length === 0) continue;
    try {
      upgraded[id] = await upgradeIndexes(client, names[id], tables[id], plan, options.updatesIndexes);
    } catch (error) {
      const remedy = options.remedy("that table");
      const changes = [...plan.add.map((index) => `add ${index.name}`), ...plan.remove.map((name) => `remove ${name}`)];
      throw new Error(
        `the indexes of table ${names[id]} in ${options.where} are not yet infra/topology.ts's, and ` +
          `${changes.join(", ")} failed: ${(error as Error).message}${remedy ? `; ${remedy}` : ""}`,
      );
    }
  }
  const created: TableId[] = [];
  for (const [id, table] of definitions) {
    if (plans.has(id)) continue;
    try {
      await client.send(new CreateTableCommand(createTableInput(names[id], table)));
      created.push(id);
    } catch (error) {
      // Made meanwhile by another start on the same DynamoDB: from the same topology.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  for (const [id] of definitions) await waitUntilActive(client, names[id]);
  return { names, created, upgraded };
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
