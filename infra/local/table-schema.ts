/**
 * The local stack's tables as the topology defines them (keys, keys-only indexes, on-demand billing, as
 * the CDK stack makes them), and how a table that already exists differs: what refuses it, and which
 * indexes it lacks or still has from an earlier version.
 */
import {
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type GlobalSecondaryIndexDescription,
  type KeySchemaElement,
  ResourceNotFoundException,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import type { TableIndex } from "../index-upgrade.ts";
import type { IndexDefinition, IndexProjection, TableDefinition } from "../topology.ts";

const keySchema = (partitionKey: string, sortKey?: string): KeySchemaElement[] => [
  { AttributeName: partitionKey, KeyType: "HASH" },
  ...(sortKey ? [{ AttributeName: sortKey, KeyType: "RANGE" as const }] : []),
];

/** The string attributes the table's keys and its indexes' keys are made of. */
export function keyAttributeDefinitions(table: Pick<TableDefinition, "partitionKey" | "sortKey" | "indexes">) {
  const attributes = new Set<string>([table.partitionKey]);
  if (table.sortKey) attributes.add(table.sortKey);
  for (const index of table.indexes) {
    attributes.add(index.partitionKey);
    if (index.sortKey) attributes.add(index.sortKey);
  }
  return [...attributes].map((name) => ({ AttributeName: name, AttributeType: "S" as const }));
}

export function indexInput(index: TableIndex): GlobalSecondaryIndex {
  const { projection } = index;
  return {
    IndexName: index.name,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: {
      ProjectionType: projection.type,
      ...(projection.type === "INCLUDE" ? { NonKeyAttributes: [...projection.nonKeyAttributes] } : {}),
    },
  };
}

/** A table exactly as the CDK stack defines it: keys, indexes, on-demand billing. */
export function createTableInput(tableName: string, table: TableDefinition): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: keyAttributeDefinitions(table),
    KeySchema: keySchema(table.partitionKey, table.sortKey),
    ...(table.indexes.length > 0 ? { GlobalSecondaryIndexes: table.indexes.map(indexInput) } : {}),
  };
}

/** What an existing table needs to be the topology's. */
export interface TablePlan {
  /** Why it cannot be used, one phrase each: its key, or an index under a topology name keyed or projected otherwise. */
  refusals: string[];
  /** The topology's indexes it lacks (made before they existed, or before they projected keys only). */
  add: IndexDefinition[];
  /** The former indexes it still has (an index the topology `replaces`). */
  remove: string[];
}

export function planTable(table: TableDefinition, description: TableDescription): TablePlan {
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
  const plan: TablePlan = { refusals: [], add: [], remove: [] };
  const key = describe(description.KeySchema);
  if (key !== expected(table.partitionKey, table.sortKey)) {
    plan.refusals.push(`is keyed ${key}, not ${expected(table.partitionKey, table.sortKey)}`);
  }
  const existing = new Map((description.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index]));
  for (const index of table.indexes) {
    const found = existing.get(index.name);
    const wanted = expected(index.partitionKey, index.sortKey);
    if (!found) {
      plan.add.push(index);
    } else if (describe(found.KeySchema) !== wanted) {
      plan.refusals.push(`has its index ${index.name} keyed ${describe(found.KeySchema)}, not ${wanted}`);
    } else if (projectionOf(found) !== projectionText(index.projection)) {
      plan.refusals.push(
        `has its index ${index.name} projecting ${projectionOf(found)}, not ${projectionText(index.projection)}`,
      );
    }
    if (index.replaces && existing.has(index.replaces.name)) plan.remove.push(index.replaces.name);
  }
  return plan;
}

function projectionText(projection: IndexProjection): string {
  return projection.type === "INCLUDE"
    ? `INCLUDE ${[...projection.nonKeyAttributes].sort().join(",")}`
    : projection.type;
}

function projectionOf(index: GlobalSecondaryIndexDescription): string {
  const type = index.Projection?.ProjectionType ?? "ALL";
  return type === "INCLUDE"
    ? projectionText({ type, nonKeyAttributes: index.Projection?.NonKeyAttributes ?? [] })
    : projectionText({ type: type as "ALL" | "KEYS_ONLY" });
}

export async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/**
 * AWS's DynamoDB creates a table, and adds and removes its indexes, in the background; the stand-ins
 * at once or nearly. Resolves once the table and each of its indexes are ACTIVE (a removed one gone).
 */
export async function waitUntilActive(client: DynamoDBClient, tableName: string, timeoutMs = 600_000): Promise<void> {
  await waitFor(client, tableName, timeoutMs, "ACTIVE", (description) => {
    const indexes = description?.GlobalSecondaryIndexes ?? [];
    return (
      description?.TableStatus === "ACTIVE" && indexes.every((index) => (index.IndexStatus ?? "ACTIVE") === "ACTIVE")
    );
  });
}

export async function waitUntilDeleted(client: DynamoDBClient, tableName: string, timeoutMs = 600_000) {
  await waitFor(client, tableName, timeoutMs, "deleted", (description) => description === undefined);
}

async function waitFor(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs: number,
  what: string,
  done: (description: TableDescription | undefined) => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const description = await describeTable(client, tableName);
    if (done(description)) return;
    if (Date.now() > deadline) {
      throw new Error(`table ${tableName} is not ${what} after ${timeoutMs / 1000} s (${description?.TableStatus})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
