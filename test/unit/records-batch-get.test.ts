/**
 * The records tool's fetch of the items behind an index query's keys. DynamoDB leaves keys unprocessed
 * when a request is too large or throttled, which no stand-in does: a client here answers as it would.
 */
import type { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { type BatchGetClient, batchGetLimit, getItemsInOrder } from "../../infra/tools/batch-get.ts";

type Item = Record<string, unknown>;

/** A table of `stored` items keyed by `id`, answering at most `perAnswer` keys a request, the rest unprocessed. */
function tableClient(stored: Item[], perAnswer = Number.POSITIVE_INFINITY) {
  const byId = new Map<unknown, Item>(stored.map((item) => [item.id, item]));
  const requests: Item[][] = [];
  const client: BatchGetClient = {
    async send(command: BatchGetCommand) {
      const [tableName, request] = Object.entries(command.input.RequestItems ?? {})[0] ?? ["", { Keys: [] }];
      const keys = (request.Keys ?? []) as Item[];
      requests.push(keys);
      if (keys.length > batchGetLimit) throw new Error(`${keys.length} keys in one request`);
      const answered = keys.slice(0, perAnswer);
      const left = keys.slice(answered.length);
      return {
        // DynamoDB answers in no particular order.
        Responses: {
          [tableName]: answered
            .flatMap((key): Item[] => {
              const found = byId.get(key.id);
              return found ? [found] : [];
            })
            .reverse(),
        },
        UnprocessedKeys: left.length > 0 ? { [tableName]: { Keys: left } } : {},
      };
    },
  };
  return { client, requests };
}

const item = (id: number): Item => ({ id: `m${id}`, text: `text ${id}`, firstArrivalAt: `2026-01-01T00:00:${id}` });
const keysOf = (items: Item[]) => items.map(({ id, firstArrivalAt }) => ({ id, firstArrivalAt }));

describe("getItemsInOrder", () => {
  it("fetches the items in requests of at most 100 keys, in the order the index gave the keys", async () => {
    const stored = Array.from({ length: 250 }, (_, index) => item(index));
    const { client, requests } = tableClient(stored);
    const found = keysOf(stored).reverse();
    const items = await getItemsInOrder(client, "messages", ["id"], found);
    expect(items).toEqual([...stored].reverse());
    expect(requests.map((keys) => keys.length)).toEqual([100, 100, 50]);
    // Only the table's key goes in a request, not the index's attributes the query returned with it.
    expect(requests[0]?.[0]).toEqual({ id: "m249" });
  });

  it("asks again for the keys DynamoDB left unprocessed until none are left", async () => {
    const stored = Array.from({ length: 30 }, (_, index) => item(index));
    const { client, requests } = tableClient(stored, 7);
    const items = await getItemsInOrder(client, "messages", ["id"], keysOf(stored), { firstPauseMs: 1, attempts: 10 });
    expect(items).toEqual(stored);
    expect(requests.map((keys) => keys.length)).toEqual([30, 23, 16, 9, 2]);
  });

  it("gives up, saying so, when keys stay unprocessed", async () => {
    const { client } = tableClient([item(1)], 0);
    await expect(
      getItemsInOrder(client, "messages", ["id"], keysOf([item(1)]), { firstPauseMs: 1, attempts: 3 }),
    ).rejects.toThrow("DynamoDB left 1 keys of messages unprocessed after 3 attempts");
  });

  it("leaves out an item deleted since the query, and sends no request for no keys", async () => {
    const { client, requests } = tableClient([item(1), item(3)]);
    expect(await getItemsInOrder(client, "messages", ["id"], keysOf([item(3), item(2), item(1)]))).toEqual([
      item(3),
      item(1),
    ]);
    expect(await getItemsInOrder(client, "messages", ["id"], [])).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it("keys items by every key attribute of the table", async () => {
    const stored = [
      { pk: "a", sk: "1", v: 1 },
      { pk: "a", sk: "2", v: 2 },
    ];
    const requests: Item[][] = [];
    const client: BatchGetClient = {
      async send(command: BatchGetCommand) {
        const keys = (command.input.RequestItems?.t?.Keys ?? []) as Item[];
        requests.push(keys);
        return {
          Responses: { t: stored.filter((each) => keys.some((key) => key.pk === each.pk && key.sk === each.sk)) },
        };
      },
    };
    const found = [
      { pk: "a", sk: "2", g: "x" },
      { pk: "a", sk: "1", g: "x" },
    ];
    expect(await getItemsInOrder(client, "t", ["pk", "sk"], found)).toEqual([stored[1], stored[0]]);
    expect(requests).toEqual([
      [
        { pk: "a", sk: "2" },
        { pk: "a", sk: "1" },
      ],
    ]);
  });
});
