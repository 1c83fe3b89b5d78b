import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  type DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { ContentionError } from "../use-cases/contention.ts";

/**
 * One DynamoDB client per execution environment, built at module scope. The endpoint comes
 * from the SDK's own settings (AWS_ENDPOINT_URL_DYNAMODB locally), so this code is the same
 * on Lambda and against the local stand-ins.
 */
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

/** Attribute holding an item's revision for optimistic locking. */
const revisionAttribute = "revision";

/**
 * Read-modify-write of one item under optimistic locking: `change` gets the current item (or
 * undefined) and returns the next one, or undefined to leave it as is. A concurrent writer makes
 * the conditional put fail and the change is computed again on fresh data, so concurrent
 * changes to one item all land, none lost. Works on every DynamoDB (no transactions needed).
 * `change` may read or write other items; whatever it writes must stay true if the put then
 * loses to a concurrent writer, since it runs again on the fresher item.
 */
export async function updateItem<T extends object>(
  tableName: string,
  key: Record<string, string>,
  change: (current: T | undefined) => Promise<T | undefined>,
  maxAttempts = 12,
): Promise<T | undefined> {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
    );
    const { [revisionAttribute]: revision, ...current } = Item ?? {};
    const next = await change(Item === undefined ? undefined : (current as T));
    if (next === undefined) return Item === undefined ? undefined : (current as T);
    try {
      await documentClient.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...next, ...key, [revisionAttribute]: typeof revision === "number" ? revision + 1 : 1 },
          ConditionExpression:
            typeof revision === "number" ? "#revision = :revision" : `attribute_not_exists(#revision)`,
          ExpressionAttributeNames: { "#revision": revisionAttribute },
          ...(typeof revision === "number" ? { ExpressionAttributeValues: { ":revision": revision } } : {}),
        }),
      );
      return next;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      await sleep(Math.random() * 20 * attempt);
    }
  }
  throw new ContentionError(`item in ${tableName} kept changing under ${maxAttempts} attempts`);
}

/** An item by its key, read strongly consistent (what was written a moment ago is there); undefined when none. */
export async function readItem<T = Record<string, unknown>>(
  tableName: string,
  key: Record<string, unknown>,
): Promise<T | undefined> {
  const { Item } = await documentClient.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  return Item as T | undefined;
}

/** Writes an item only if none has its key; true when written, false when one was there. */
export function putIfAbsent(tableName: string, item: Record<string, unknown>, keyName: string): Promise<boolean> {
  return conditionalWrite(
    new PutCommand({
      TableName: tableName,
      Item: item,
      ConditionExpression: "attribute_not_exists(#key)",
      ExpressionAttributeNames: { "#key": keyName },
    }),
  );
}

/** Sends a conditional write: true when it was made, false when its condition refused it. */
export async function conditionalWrite(command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> {
  // One client sends them all; the union only keeps its overloads apart.
  return (await unlessConditionFails(documentClient.send(command as PutCommand))) !== undefined;
}

/**
 * A conditional update's item as it wrote it (it must ask `ReturnValues: "ALL_NEW"`), or undefined
 * when its condition refused it: what was written, for whoever announces it, without a read.
 */
export async function conditionalUpdate<T>(command: UpdateCommand): Promise<T | undefined> {
  const output = await unlessConditionFails(documentClient.send(command));
  return output?.Attributes as T | undefined;
}

async function unlessConditionFails<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
