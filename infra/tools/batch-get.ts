/**
 * The items behind the keys an index query found (a keys-only index holds nothing more), in the order
 * the query found them: BatchGetItem, at most 100 keys a request (its limit), asking again, after a
 * growing pause, for the keys DynamoDB leaves unprocessed (as it does when a request is too large or
 * throttled). An item deleted in between is left out.
 */
import { BatchGetCommand, type BatchGetCommandOutput } from "@aws-sdk/lib-dynamodb";

type Item = Record<string, unknown>;

/** The part of a document client this needs: tests give one that leaves keys unprocessed. */
export interface BatchGetClient {
  send(command: BatchGetCommand): Promise<Pick<BatchGetCommandOutput, "Responses" | "UnprocessedKeys">>;
}

export const batchGetLimit = 100;

export async function getItemsInOrder(
  client: BatchGetClient,
  tableName: string,
  keyAttributes: readonly string[],
  found: readonly Item[],
  options: { attempts?: number; firstPauseMs?: number } = {},
): Promise<Item[]> {
  const { attempts = 8, firstPauseMs = 50 } = options;
  const keyOf = (item: Item) => JSON.stringify(keyAttributes.map((name) => item[name]));
  const keys = [...new Map(found.map((item) => [keyOf(item), pick(item, keyAttributes)])).values()];
  const items = new Map<string, Item>();
  for (let start = 0; start < keys.length; start += batchGetLimit) {
    let pending = keys.slice(start, start + batchGetLimit);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > attempts) {
        throw new Error(`DynamoDB left ${pending.length} keys of ${tableName} unprocessed after ${attempts} attempts`);
      }
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, firstPauseMs * 2 ** (attempt - 2)));
      const { Responses, UnprocessedKeys } = await client.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }),
      );
      for (const item of Responses?.[tableName] ?? []) items.set(keyOf(item), item);
      pending = (UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[];
    }
  }
  return found.flatMap((item): Item[] => {
    const stored = items.get(keyOf(item));
    return stored ? [stored] : [];
  });
}

function pick(item: Item, names: readonly string[]): Item {
  return Object.fromEntries(names.map((name) => [name, item[name]]));
}
