import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import {
  type FunctionDefinition,
  type QueueId,
  queues,
  type RouteDefinition,
  type RouteId,
  readWriteItems,
  type SecretId,
  secrets,
  type TableAccess,
  type TableId,
  type TopicId,
  topics,
} from "../topology.ts";
import type { ReceiverFunction } from "./receiver-function.ts";
import type { ReceiverTable } from "./receiver-table.ts";

/** What the stack has that a function of the topology may be given. */
export interface FunctionResources {
  tables: Readonly<Record<TableId, ReceiverTable>>;
  secrets: Readonly<Record<SecretId, ISecret>>;
  routes: Readonly<Record<RouteId, { route: RouteDefinition; url: string }>>;
  topics: Readonly<Record<TopicId, ITopic>>;
  queues: Readonly<Record<QueueId, IQueue>>;
}

/** A function definition resolved against the stack: what goes in its environment, and its grants. */
export interface FunctionAccess {
  /** Its tables' names, its secrets' ARNs (never their values), the route URLs it gives out. */
  environment: Record<string, string>;
  /** Exactly the table access and secret reads its definition lists. */
  grantTo(fn: ReceiverFunction): void;
}

/**
 * What a function (a consumer, a scheduled task) may reach, from its definition alone: the QueueConsumer
 * and ScheduledTask constructs share it, so both grant the same way. A definition that names a table,
 * index, secret or route the stack lacks fails the synth.
 */
export function functionAccess(
  functionId: string,
  definition: FunctionDefinition,
  resources: FunctionResources,
): FunctionAccess {
  const tables = definition.tables.map((tableId) => {
    const table = resources.tables[tableId];
    if (!table) throw new Error(`Function ${functionId} uses table ${tableId}, which the stack does not have`);
    return { table, access: tableAccessOf(functionId, definition, tableId, table) };
  });
  for (const tableId of Object.keys(definition.tableAccess ?? {})) {
    if (!definition.tables.includes(tableId as TableId)) {
      throw new Error(`Function ${functionId} has tableAccess for ${tableId}, which is not one of its tables`);
    }
  }
  const secretsUsed = (definition.secrets ?? []).map((secretId) => {
    const secret = resources.secrets[secretId];
    if (!secret) throw new Error(`Function ${functionId} reads secret ${secretId}, which the stack does not have`);
    return { setting: secrets[secretId].arnSetting, secret };
  });
  const routeUrls = (definition.routeUrls ?? []).map((routeId) => {
    const route = resources.routes[routeId];
    if (!route?.route.urlSetting) {
      throw new Error(`Function ${functionId} gives out the URL of route ${routeId}, which has no urlSetting`);
    }
    return [route.route.urlSetting, route.url] as const;
  });

  const topicsUsed = (definition.publishes ?? []).map((topicId) => {
    const topic = resources.topics[topicId];
    if (!topic) throw new Error(`Function ${functionId} publishes to topic ${topicId}, which the stack does not have`);
    return { setting: topics[topicId].arnSetting, topic };
  });
  const queuesUsed = (definition.sendsTo ?? []).map((queueId) => {
    const queue = resources.queues[queueId];
    if (!queue) throw new Error(`Function ${functionId} sends to queue ${queueId}, which the stack does not have`);
    return { setting: queues[queueId].urlSetting, queue };
  });

  return {
    environment: {
      ...Object.fromEntries(tables.map(({ table }) => [table.definition.nameSetting, table.tableName])),
      ...Object.fromEntries(secretsUsed.map(({ setting, secret }) => [setting, secret.secretArn])),
      ...Object.fromEntries(routeUrls),
      ...Object.fromEntries(topicsUsed.map(({ setting, topic }) => [setting, topic.topicArn])),
      ...Object.fromEntries(queuesUsed.map(({ setting, queue }) => [setting, queue.queueUrl])),
    },
    grantTo(fn) {
      for (const { table, access } of tables) fn.allowTableAccess(table, access);
      for (const { secret } of secretsUsed) secret.grantRead(fn);
      for (const { topic } of topicsUsed) fn.allowPublishingTo(topic);
      for (const { queue } of queuesUsed) fn.allowSendingTo(queue);
    },
  };
}

function tableAccessOf(
  functionId: string,
  definition: FunctionDefinition,
  tableId: TableId,
  table: ReceiverTable,
): TableAccess {
  const access: TableAccess = definition.tableAccess?.[tableId] ?? readWriteItems;
  const indexNames = new Set(table.definition.indexes.map((index) => index.name));
  for (const indexName of access.queries ?? []) {
    if (!indexNames.has(indexName)) {
      throw new Error(`Function ${functionId} queries index ${indexName}, which table ${tableId} does not have`);
    }
  }
  return access;
}
