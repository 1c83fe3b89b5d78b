/**
 * A local table made by an earlier version, brought to the topology's indexes with its items kept: the
 * indexes it lacks added, the former ones (`replaces`) removed.
 *
 * In place where the DynamoDB adds and removes indexes (UpdateTable, one index a call, each waited for:
 * AWS's DynamoDB and DynamoDB Local). dynalite answers such an UpdateTable without doing it, so there the
 * table is rebuilt: its items copied to a table `<name>.upgrading`, the table made again as the topology
 * defines it, the items copied back, the copy deleted. A rebuild cut short (a crash, a Ctrl-C) is finished
 * by the next start (resumeRebuild), before anything reads the table.
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  paginateScan,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import type { TableDefinition } from "../topology.ts";
import {
  createTableInput,
  describeTable,
  indexInput,
  keyAttributeDefinitions,
  type TablePlan,
  waitUntilActive,
  waitUntilDeleted,
} from "./table-schema.ts";

export interface IndexUpgrade {
  added: string[];
  removed: string[];
}

const copyName = (tableName: string) => `${tableName}.upgrading`;

/**
 * Adds the indexes `plan` lists, then removes the former ones: in place when `updatesIndexes`, else by a
 * rebuild. Fails when the DynamoDB refuses, or does not do, an index change it was asked for.
 */
export async function upgradeIndexes(
  client: DynamoDBClient,
  tableName: string,
  table: TableDefinition,
  plan: TablePlan,
  updatesIndexes: boolean,
): Promise<IndexUpgrade> {
  const upgrade = { added: plan.add.map((index) => index.name), removed: plan.remove };
  if (!updatesIndexes) {
    await rebuild(client, tableName, table);
    return upgrade;
  }
  for (const index of plan.add) {
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: keyAttributeDefinitions({ partitionKey: index.partitionKey, indexes: [index] }),
        GlobalSecondaryIndexUpdates: [{ Create: indexInput(index) }],
      }),
    );
    await expectIndex(client, tableName, index.name, true);
    await waitUntilActive(client, tableName);
  }
  for (const name of plan.remove) {
    await client.send(
      new UpdateTableCommand({ TableName: tableName, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: name } }] }),
    );
    await waitUntilActive(client, tableName);
    await expectIndex(client, tableName, name, false);
  }
  return upgrade;
}

/** Some DynamoDBs accept an index change and ignore it: better said now than by the first query. */
async function expectIndex(client: DynamoDBClient, tableName: string, indexName: string, present: boolean) {
  const indexes = (await describeTable(client, tableName))?.GlobalSecondaryIndexes ?? [];
  if (indexes.some((index) => index.IndexName === indexName) !== present) {
    throw new Error(`it answered UpdateTable but did not ${present ? "add" : "remove"} the index ${indexName}`);
  }
}

async function rebuild(client: DynamoDBClient, tableName: string, table: TableDefinition): Promise<void> {
  const copy = copyName(tableName);
  await createIgnoringExisting(client, {
    TableName: copy,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: keyAttributeDefinitions({ ...table, indexes: [] }),
    KeySchema: createTableInput(tableName, table).KeySchema,
  });
  await waitUntilActive(client, copy);
  await copyItems(client, tableName, copy);
  await deleteIgnoringMissing(client, tableName);
  await waitUntilDeleted(client, tableName);
  await restoreFromCopy(client, tableName, table);
}

/** The table as the topology defines it, made if missing, with the copy's items; then the copy deleted. */
async function restoreFromCopy(client: DynamoDBClient, tableName: string, table: TableDefinition): Promise<void> {
  const copy = copyName(tableName);
  await createIgnoringExisting(client, createTableInput(tableName, table));
  await waitUntilActive(client, tableName);
  await copyItems(client, copy, tableName);
  await deleteIgnoringMissing(client, copy);
  await waitUntilDeleted(client, copy);
}

/**
 * Finishes a rebuild an earlier start began and did not end, if there is one; resolves to whether there
 * was. Run before the table is looked at, so that a table deleted half-way is restored, not made empty.
 * Whenever it stopped, putting the copy's items in the table loses nothing: before the table was deleted,
 * they are the table's own items, unchanged (nothing ran since); after, the copy holds them all.
 */
export async function resumeRebuild(client: DynamoDBClient, tableName: string, table: TableDefinition) {
  if (!(await describeTable(client, copyName(tableName)))) return false;
  await restoreFromCopy(client, tableName, table);
  return true;
}

/** Every item of `from` put in `to` (a put of an item already there changes nothing). */
async function copyItems(client: DynamoDBClient, from: string, to: string): Promise<void> {
  for await (const page of paginateScan({ client }, { TableName: from, ConsistentRead: true })) {
    const items = page.Items ?? [];
    for (let start = 0; start < items.length; start += 25) {
      let requests: WriteRequest[] = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 1; requests.length > 0; attempt++) {
        if (attempt > 10) throw new Error(`${requests.length} items of ${from} could not be written to ${to}`);
        if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 20 * 2 ** attempt)));
        const { UnprocessedItems } = await client.send(new BatchWriteItemCommand({ RequestItems: { [to]: requests } }));
        requests = UnprocessedItems?.[to] ?? [];
      }
    }
  }
}

async function createIgnoringExisting(client: DynamoDBClient, input: CreateTableCommand["input"]): Promise<void> {
  try {
    await client.send(new CreateTableCommand(input));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

async function deleteIgnoringMissing(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
}
