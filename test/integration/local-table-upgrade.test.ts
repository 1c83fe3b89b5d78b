/**
 * Tables an earlier version made, with the indexes it made (projecting ALL, under their former names),
 * brought to the topology's keys-only indexes by the local stack, every item kept: in place where the
 * DynamoDB adds and removes indexes (DynamoDB Local), by a rebuild through a copy on dynalite, which does
 * not; a rebuild cut short is finished by the next start; `npm start` on such a `.local/` says what it did.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { indexStages } from "../../infra/index-upgrade.ts";
import { prepareTables } from "../../infra/local/resources.ts";
import {
  localCredentials,
  localRegion,
  type RunningService,
  startDynalite,
  startDynamoDbLocal,
} from "../../infra/local/stand-ins.ts";
import { createTableInput, indexInput, waitUntilActive, waitUntilDeleted } from "../../infra/local/table-schema.ts";
import { type TableDefinition, type TableId, tables } from "../../infra/topology.ts";
import { testUrlSecret } from "../support/pipeline.ts";
import { killAll, runNode } from "./fixtures/processes.ts";

const tableEntries = Object.entries(tables) as [TableId, TableDefinition][];
let prefixCount = 0;
const freshPrefix = () => `upgrade${++prefixCount}-`;
const clientOf = (service: RunningService) =>
  new DynamoDBClient({ endpoint: service.endpoint, region: localRegion, credentials: localCredentials });

/** The tables as the version before keys-only indexes made them (stage 0 of the upgrade), with some items. */
async function previousVersionTables(client: DynamoDBClient, prefix: string, items = 30): Promise<void> {
  for (const [id, table] of tableEntries) {
    const former = indexStages(table)[0] ?? [];
    const input = createTableInput(`${prefix}${id}`, table);
    await client.send(
      new CreateTableCommand({
        ...input,
        GlobalSecondaryIndexes: former.length > 0 ? former.map(indexInput) : undefined,
      }),
    );
  }
  for (let index = 0; index < items; index++) {
    await client.send(
      new PutItemCommand({
        TableName: `${prefix}inboundMessages`,
        Item: {
          messageId: { S: `message-${index}` },
          sender: { S: "+821056785678" },
          recipient: { S: "+821012341234" },
          firstArrivalAt: { S: `2026-01-01T00:00:${String(index).padStart(2, "0")}.000Z` },
          text: { S: `TEST 본문 ${index}` },
        },
      }),
    );
  }
  await client.send(
    new PutItemCommand({
      TableName: `${prefix}deliveryReports`,
      Item: { recordId: { S: "MsgId#a1" }, msgId: { S: "a1" }, firstCallbackAt: { S: "2026-01-01T00:00:00.000Z" } },
    }),
  );
}

async function indexesOf(client: DynamoDBClient, tableName: string) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return (Table?.GlobalSecondaryIndexes ?? [])
    .map((index) => ({ name: index.IndexName, projection: index.Projection?.ProjectionType }))
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

const topologyIndexes = (table: TableDefinition) =>
  table.indexes
    .map((index) => ({ name: index.name, projection: "KEYS_ONLY" }))
    .sort((a, b) => a.name.localeCompare(b.name));

async function scanAll(client: DynamoDBClient, tableName: string) {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  const text = (item: object) => JSON.stringify(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)));
  return Items.sort((a, b) => text(a).localeCompare(text(b)));
}

async function tableNames(client: DynamoDBClient, prefix: string): Promise<string[]> {
  const { TableNames = [] } = await client.send(new ListTablesCommand({}));
  return TableNames.filter((name) => name.startsWith(prefix)).sort();
}

/** What the previous version's tables hold, to compare with after the upgrade. */
async function contents(client: DynamoDBClient, prefix: string) {
  return Object.fromEntries(
    await Promise.all(tableEntries.map(async ([id]) => [id, await scanAll(client, `${prefix}${id}`)] as const)),
  );
}

async function expectUpgraded(client: DynamoDBClient, prefix: string, before: Record<string, unknown>) {
  for (const [id, table] of tableEntries) {
    expect(await indexesOf(client, `${prefix}${id}`), id).toEqual(topologyIndexes(table));
  }
  expect(await contents(client, prefix)).toEqual(before);
  expect(await tableNames(client, prefix)).toEqual(tableEntries.map(([id]) => `${prefix}${id}`).sort());
  // The new index answers, with the keys it holds.
  const { Items } = await client.send(
    new QueryCommand({
      TableName: `${prefix}inboundMessages`,
      IndexName: "sender-firstArrivalAt-keys",
      KeyConditionExpression: "sender = :sender",
      ExpressionAttributeValues: { ":sender": { S: "+821056785678" } },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  expect(Items).toEqual([
    {
      messageId: { S: "message-29" },
      sender: { S: "+821056785678" },
      firstArrivalAt: { S: "2026-01-01T00:00:29.000Z" },
    },
  ]);
}

const expectedUpgrades = {
  inboundMessages: {
    added: ["sender-firstArrivalAt-keys", "recipient-firstArrivalAt-keys"],
    removed: ["bySender", "byRecipient"],
  },
  deliveryReports: {
    added: ["msgId-firstCallbackAt-keys", "cKey-firstCallbackAt-keys"],
    removed: ["byMsgId", "byCKey"],
  },
  rejectedRequests: { added: ["route-receivedAt-keys"], removed: ["byRoute"] },
};

const options = (prefix: string, updatesIndexes: boolean) => ({
  prefix,
  where: "the test's DynamoDB",
  remedy: () => "delete it",
  updatesIndexes,
});

let dynalite: RunningService;
let dynamoDbLocal: RunningService;
beforeAll(async () => {
  [dynalite, dynamoDbLocal] = await Promise.all([startDynalite(undefined), startDynamoDbLocal(undefined)]);
}, 60_000);
afterAll(async () => {
  await Promise.all([dynalite?.stop(), dynamoDbLocal?.stop()]);
});

describe("the local stack's tables made by an earlier version", () => {
  it.each([
    ["in place, on DynamoDB Local", () => dynamoDbLocal, true],
    ["by a rebuild, on dynalite", () => dynalite, false],
    ["by a rebuild, on DynamoDB Local too", () => dynamoDbLocal, false],
  ] as const)(
    "get the topology's indexes %s, every item kept",
    async (_, service, updatesIndexes) => {
      const client = clientOf(service());
      const prefix = freshPrefix();
      await previousVersionTables(client, prefix);
      const before = await contents(client, prefix);

      const prepared = await prepareTables(client, options(prefix, updatesIndexes));
      expect(prepared.created).toEqual([]);
      expect(prepared.upgraded).toEqual(expectedUpgrades);
      await expectUpgraded(client, prefix, before);
      // Once upgraded, used as they are.
      expect((await prepareTables(client, options(prefix, updatesIndexes))).upgraded).toEqual({});
      client.destroy();
    },
    60_000,
  );

  it("are refused in one line where the DynamoDB does not add indexes in place (dynalite at DYNAMODB_ENDPOINT)", async () => {
    const client = clientOf(dynalite);
    const prefix = freshPrefix();
    await previousVersionTables(client, prefix);
    await expect(prepareTables(client, options(prefix, true))).rejects.toThrow(
      new RegExp(
        `^the indexes of table ${prefix}inboundMessages in the test's DynamoDB are not yet infra/topology.ts's, ` +
          "and add sender-firstArrivalAt-keys, add recipient-firstArrivalAt-keys, remove bySender, remove byRecipient " +
          "failed: [^\\n]+; delete it$",
      ),
    );
    client.destroy();
  });
});

describe("a rebuild cut short", () => {
  /** The state a rebuild of inboundMessages leaves when stopped after `step`. */
  async function interrupted(client: DynamoDBClient, prefix: string, step: "copying" | "deleted" | "restoring") {
    const tableName = `${prefix}inboundMessages`;
    const copy = `${tableName}.upgrading`;
    const table = tables.inboundMessages;
    await client.send(
      new CreateTableCommand({
        ...createTableInput(copy, { ...table, indexes: [] }),
        GlobalSecondaryIndexes: undefined,
      }),
    );
    // Even a stand-in takes a moment to make a table usable: a put before then finds no table.
    await waitUntilActive(client, copy);
    const { Items = [] } = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
    // Copying: a part of the items in the copy. Deleted and restoring: all of them.
    const copied = step === "copying" ? Items.slice(0, 10) : Items;
    for (const Item of copied) await client.send(new PutItemCommand({ TableName: copy, Item }));
    if (step === "copying") return;
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    await waitUntilDeleted(client, tableName);
    if (step === "deleted") return;
    await client.send(new CreateTableCommand(createTableInput(tableName, table)));
    await waitUntilActive(client, tableName);
    for (const Item of Items.slice(0, 5)) await client.send(new PutItemCommand({ TableName: tableName, Item }));
  }

  it.each(["copying", "deleted", "restoring"] as const)(
    "while %s is finished by the next start, every item kept, the copy gone",
    async (step) => {
      const client = clientOf(dynalite);
      const prefix = freshPrefix();
      await previousVersionTables(client, prefix);
      const before = await contents(client, prefix);
      await interrupted(client, prefix, step);

      await prepareTables(client, options(prefix, false));
      await expectUpgraded(client, prefix, before);
      client.destroy();
    },
  );
});

describe("npm start on a .local/ an earlier version made", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await killAll();
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("upgrades the indexes of its dynalite tables, says so, and npm run records finds the kept items by index", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tobetext-upgrade-"));
    dirs.push(dir);
    const before = await startDynalite(join(dir, "dynalite"));
    const client = clientOf(before);
    await previousVersionTables(client, "tobetext-", 3);
    client.destroy();
    await before.stop();

    const env = {
      TOBETEXT_LOCAL_DIR: dir,
      PORT: "0",
      TOBETEXT_URL_SECRETS: testUrlSecret,
      DYNAMODB_TARGET: "",
      DYNAMODB_ENDPOINT: "",
      DYNAMODB_TABLE_PREFIX: "",
    };
    const run = runNode(["infra/local/start.ts"], env);
    await run.line((line) => line.startsWith("Ctrl-C stops everything"));
    expect(run.output).toContain(
      "    table tobetext-inboundMessages (indexes upgraded: added sender-firstArrivalAt-keys, " +
        "recipient-firstArrivalAt-keys; removed bySender, byRecipient): " +
        tables.inboundMessages.description,
    );
    expect(run.output).toContain(`    table tobetext-dedupe: ${tables.dedupe.description}`);

    const records = runNode(["infra/tools/records.ts", "--sender", "01056785678", "--json"], env);
    expect(await records.exited, records.errors.join("\n")).toBe(0);
    expect(records.output.map((line) => JSON.parse(line).text)).toEqual(["TEST 본문 2", "TEST 본문 1", "TEST 본문 0"]);

    process.kill(run.child.pid as number, "SIGINT");
    expect(await run.exited).toBe(0);
  }, 60_000);
});
