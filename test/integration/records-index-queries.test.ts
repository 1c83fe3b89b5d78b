/**
 * `npm run records` with a filter queries a keys-only index by its topology name and prints the whole
 * items, newest first, as before: it fetches them (BatchGetItem, 100 keys a request). Against tables made
 * as the local stack makes them, which have the topology's indexes only, on DYNAMODB_TARGET's DynamoDB.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { prepareTables } from "../../infra/local/resources.ts";
import { dynamoDbTarget } from "../../infra/local/settings.ts";
import { localCredentials, localRegion, type RunningService, startDynamoDb } from "../../infra/local/stand-ins.ts";
import type { TableId } from "../../infra/topology.ts";
import { killAll, runNode } from "./fixtures/processes.ts";

type Item = Record<string, unknown>;

let dynamoDb: RunningService;
let client: DynamoDBDocumentClient;
let names: Record<TableId, string>;

const sender = "+821056785678";
const otherSender = "+821099998888";
const recipient = "+821012341234";
/** More than one BatchGetItem request holds, written in no particular order. */
const fromSender: Item[] = Array.from({ length: 130 }, (_, index) => inbound(index, sender));
const fromOther: Item[] = Array.from({ length: 3 }, (_, index) => inbound(200 + index, otherSender));

function inbound(index: number, from: string): Item {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, (index * 7919) % 10_000)).toISOString();
  return {
    messageId: `message-${index}`,
    sender: from,
    recipient,
    prefix: "TEST",
    text: `TEST 본문 ${index}`,
    deliveryCount: 1 + (index % 3),
    firstArrivalAt: at,
    lastArrivalAt: at,
    flags: [],
    revision: 1,
  };
}

const reports: Item[] = [
  report("MsgId#a1", { msgId: "a1", cKey: "order-1", firstCallbackAt: "2026-01-01T00:00:01.000Z" }),
  report("MsgId#a2", { msgId: "a2", cKey: "order-1", firstCallbackAt: "2026-01-01T00:00:03.000Z" }),
  report("CKey#order-2", { cKey: "order-2", firstCallbackAt: "2026-01-01T00:00:02.000Z" }),
];

function report(recordId: string, fields: Item): Item {
  return {
    recordId,
    ...fields,
    lastCallbackAt: fields.firstCallbackAt,
    status: "Success",
    outcome: "delivered",
    final: true,
    errorCode: "200",
    errorMeaning: "Success",
    callbackCount: 1,
    history: [{ status: "Success" }],
    flags: [],
    revision: 2,
  };
}

async function put(table: TableId, items: Item[]): Promise<void> {
  for (let start = 0; start < items.length; start += 25) {
    const batch = items.slice(start, start + 25).map((item) => ({ PutRequest: { Item: item } }));
    const { UnprocessedItems } = await client.send(new BatchWriteCommand({ RequestItems: { [names[table]]: batch } }));
    expect(UnprocessedItems?.[names[table]] ?? []).toEqual([]);
  }
}

beforeAll(async () => {
  dynamoDb = await startDynamoDb(dynamoDbTarget(), undefined);
  const raw = new DynamoDBClient({ endpoint: dynamoDb.endpoint, region: localRegion, credentials: localCredentials });
  ({ names } = await prepareTables(raw, {
    prefix: "records-",
    where: "the test's DynamoDB",
    remedy: () => "",
    updatesIndexes: dynamoDbTarget() !== "dynalite",
  }));
  client = DynamoDBDocumentClient.from(raw);
  await put("inboundMessages", [...fromOther, ...fromSender]);
  await put("deliveryReports", reports);
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await dynamoDb?.stop();
});

afterEach(() => killAll());

/** npm run records, reaching the table by name as for a deployed stack; its lines, which must be all it wrote. */
async function records(args: string[]): Promise<string[]> {
  const run = runNode(["infra/tools/records.ts", ...args], {
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
    AWS_REGION: localRegion,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_SESSION_TOKEN: "",
    AWS_PROFILE: "",
    AWS_CONFIG_FILE: "/nonexistent",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
  });
  expect(await run.exited, run.errors.join("\n")).toBe(0);
  expect(run.errors).toEqual([]);
  return run.output;
}

const json = (lines: string[]) => lines.map((line) => JSON.parse(line) as Item);
const printed = (items: Item[]) => items.map(({ revision: _revision, ...record }) => record);
const newestFirst = (items: Item[], time: string) =>
  [...items].sort((a, b) => String(b[time]).localeCompare(String(a[time])));

describe("npm run records with a filter", () => {
  it("--sender: every message of that sender, whole, newest first", async () => {
    const lines = await records(["--table", names.inboundMessages, "--sender", "010-5678-5678", "--json"]);
    expect(json(lines)).toEqual(printed(newestFirst(fromSender, "firstArrivalAt")));
  });

  it("--recipient with --limit: the newest N of that receiving number", async () => {
    const lines = await records(["--table", names.inboundMessages, "--recipient", "01012341234", "--limit", "5"]);
    const newest = newestFirst([...fromSender, ...fromOther], "firstArrivalAt").slice(0, 5);
    // The readable table shows attributes the index does not hold: text and deliveries.
    expect(lines[0]).toMatch(/^first arrival +sender +recipient +prefix +text +deliveries +last arrival +flags$/);
    expect(lines.slice(2, 7).map((line) => line.split(/ {2,}/))).toEqual(
      newest.map((item) => [
        item.firstArrivalAt,
        item.sender,
        item.recipient,
        item.prefix,
        item.text,
        String(item.deliveryCount),
        item.lastArrivalAt,
      ]),
    );
    expect(lines.at(-1)).toBe(`5 record(s) in ${names.inboundMessages}`);
  });

  it("--status --msgid and --ckey: the delivery records of that message, whole", async () => {
    const byMsgId = await records(["--table", names.deliveryReports, "--status", "--msgid", "a2", "--json"]);
    expect(json(byMsgId)).toEqual(printed([reports[1] as Item]));
    const byCKey = await records(["--table", names.deliveryReports, "--status", "--ckey", "order-1", "--json"]);
    expect(json(byCKey)).toEqual(printed([reports[1] as Item, reports[0] as Item]));
  });

  it("finds nothing for a number nobody sent from", async () => {
    expect(await records(["--table", names.inboundMessages, "--sender", "01000000000"])).toEqual([
      `no records in ${names.inboundMessages}`,
    ]);
  });
});
