/** The bench's DynamoDB meter, between an SDK client and dynalite: answers pass unchanged, calls are priced. */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningService, startDynalite } from "../../infra/local/stand-ins.ts";
import { type DynamoDbMeter, startDynamoDbMeter } from "../bench/meters.ts";

let dynalite: RunningService;
let meter: DynamoDbMeter;
let client: DynamoDBClient;
const credentials = { accessKeyId: "local", secretAccessKey: "local" };

beforeAll(async () => {
  dynalite = await startDynalite(undefined);
  meter = await startDynamoDbMeter(Promise.resolve(dynalite.endpoint));
  client = new DynamoDBClient({ endpoint: meter.endpoint, region: "ap-northeast-2", credentials });
  await client.send(
    new CreateTableCommand({
      TableName: "bench",
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      AttributeDefinitions: [
        { AttributeName: "id", AttributeType: "S" },
        { AttributeName: "group", AttributeType: "S" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: "byGroup",
          KeySchema: [{ AttributeName: "group", KeyType: "HASH" }],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    }),
  );
});

afterAll(async () => {
  client.destroy();
  await meter.close();
  await dynalite.stop();
});

const last = () => meter.calls.at(-1);
const text = (bytes: number) => "가".repeat(Math.ceil(bytes / 3));

describe("the DynamoDB meter", () => {
  it("prices a new item in the table and in each index it enters", async () => {
    await client.send(
      new PutItemCommand({ TableName: "bench", Item: { id: { S: "a" }, group: { S: "g" }, body: { S: text(1500) } } }),
    );
    expect(last()).toMatchObject({ operation: "PutItem", status: 200, wru: 4, wruIndexes: 2, rru: 0 });
  });

  it("passes a refused condition back unchanged, and prices it at the existing item's size", async () => {
    const refused = client.send(
      new PutItemCommand({
        TableName: "bench",
        Item: { id: { S: "a" } },
        ConditionExpression: "attribute_not_exists(id)",
      }),
    );
    await expect(refused).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(last()).toMatchObject({
      operation: "PutItem",
      error: "ConditionalCheckFailedException",
      wru: 2,
      wruIndexes: 0,
    });
  });

  it("prices an update from the item before and after it", async () => {
    await client.send(
      new UpdateItemCommand({
        TableName: "bench",
        Key: { id: { S: "a" } },
        UpdateExpression: "SET body = :body",
        ExpressionAttributeValues: { ":body": { S: text(3000) } },
      }),
    );
    expect(last()).toMatchObject({ operation: "UpdateItem", wru: 6, wruIndexes: 3 });
    expect(last()?.writes[0]?.sizeAfter).toBeGreaterThan(3000);
  });

  it("prices an index by its projection, as DescribeTable gives it: a keys-only entry is written when its keys change", async () => {
    await client.send(
      new CreateTableCommand({
        TableName: "benchKeysOnly",
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        AttributeDefinitions: [
          { AttributeName: "id", AttributeType: "S" },
          { AttributeName: "group", AttributeType: "S" },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: "byGroupKeys",
            KeySchema: [{ AttributeName: "group", KeyType: "HASH" }],
            Projection: { ProjectionType: "KEYS_ONLY" },
          },
        ],
      }),
    );
    const key = { id: { S: "k" } };
    await client.send(
      new PutItemCommand({ TableName: "benchKeysOnly", Item: { ...key, group: { S: "g" }, body: { S: text(1500) } } }),
    );
    // A 1.5 KB item, a keys-only entry of a few bytes.
    expect(last()).toMatchObject({ operation: "PutItem", wru: 2 + 1, wruIndexes: 1 });
    await client.send(
      new UpdateItemCommand({
        TableName: "benchKeysOnly",
        Key: key,
        UpdateExpression: "SET body = :body",
        ExpressionAttributeValues: { ":body": { S: text(2500) } },
      }),
    );
    expect(last()).toMatchObject({ operation: "UpdateItem", wru: 3, wruIndexes: 0 });
    await client.send(
      new UpdateItemCommand({
        TableName: "benchKeysOnly",
        Key: key,
        UpdateExpression: "SET #group = :group",
        ExpressionAttributeNames: { "#group": "group" },
        ExpressionAttributeValues: { ":group": { S: "h" } },
      }),
    );
    // The entry under g removed, one under h put.
    expect(last()).toMatchObject({ operation: "UpdateItem", wru: 3 + 2, wruIndexes: 2 });
  });

  it("prices a read from the whole item, even when it asks for part of it", async () => {
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: "bench",
        Key: { id: { S: "a" } },
        ProjectionExpression: "id",
        ConsistentRead: true,
      }),
    );
    expect(Item).toEqual({ id: { S: "a" } });
    expect(last()).toMatchObject({ operation: "GetItem", rru: 1 });
    await client.send(new GetItemCommand({ TableName: "bench", Key: { id: { S: "missing" } } }));
    expect(last()).toMatchObject({ operation: "GetItem", rru: 0.5 });
  });
});
