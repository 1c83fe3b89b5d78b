/**
 * `npm run records`: the stored inbound SMS, newest first, through the DynamoDB API.
 *
 *   npm run records                       readable table, from the running local stack (its DynamoDB)
 *   npm run records -- --json             one JSON object a line
 *   npm run records -- --sender 010-1234-5678 | --recipient 01012345678 | --limit 20
 *   npm run records -- --status           delivery records from status callbacks (--msgid ID | --ckey KEY)
 *   npm run records -- --rejected         requests that could not be accepted, with the reason (and any replay's outcome)
 *   npm run records -- --sent             SMS sent through ToBeText (--ckey KEY | --msgid ID | --recipient NUMBER)
 *   npm run records -- --suppressed       numbers that opted out (수신거부), latest first; --suppression NUMBER: one number
 *   npm run records -- --table NAME       a deployed table (AWS credentials and region from the environment)
 */
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, paginateQuery, paginateScan } from "@aws-sdk/lib-dynamodb";
import { suppressionIndexes } from "../../functions/contract.ts";
import { lastArrivalOf } from "../../functions/domain/inbound-message.ts";
import { parsePhoneNumber } from "../../functions/domain/phone-number.ts";
import { describeReplay, type ReplayOutcome } from "../../functions/domain/rejection-replay.ts";
import { readLocalState, stateDocumentClient } from "../local/state.ts";
import { type TableDefinition, type TableId, tables } from "../topology.ts";
import { getItemsInOrder } from "./batch-get.ts";

const { values: options } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    sender: { type: "string" },
    recipient: { type: "string" },
    rejected: { type: "boolean", default: false },
    status: { type: "boolean", default: false },
    sent: { type: "boolean", default: false },
    suppressed: { type: "boolean", default: false },
    suppression: { type: "string" },
    msgid: { type: "string" },
    ckey: { type: "string" },
    table: { type: "string" },
    limit: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

if (options.help) {
  console.log(
    "usage: npm run records -- [--json] [--limit N] [--table NAME]\n" +
      "         [--sender NUMBER | --recipient NUMBER]   inbound SMS (default)\n" +
      "         --status [--msgid ID | --ckey KEY]         delivery records from status callbacks\n" +
      "         --rejected                               requests that could not be accepted\n" +
      "         --sent [--ckey KEY | --msgid ID | --recipient NUMBER]   SMS sent through ToBeText\n" +
      "         --suppressed                             numbers that opted out (수신거부), latest first\n" +
      "         --suppression NUMBER                     one number's opt-out state and history",
  );
  process.exit(0);
}

type Item = Record<string, unknown>;
const tableId: TableId = options.rejected
  ? "rejectedRequests"
  : options.status
    ? "deliveryReports"
    : options.sent
      ? "sentMessages"
      : options.suppressed || options.suppression !== undefined
        ? "suppressions"
        : "inboundMessages";
const { client, tableName } = await connect();
const limit = options.limit === undefined ? Number.POSITIVE_INFINITY : Number(options.limit);
const items = (await readItems()).slice(0, limit);

if (options.json) {
  for (const item of items) {
    const { revision: _revision, ...record } = item;
    process.stdout.write(`${JSON.stringify(record, setsAsLists)}\n`);
  }
} else if (items.length === 0) {
  console.log(`no records in ${tableName}`);
} else {
  printTable(items);
}
client.destroy();

async function connect(): Promise<{ client: DynamoDBDocumentClient; tableName: string }> {
  const tableSetting = tables[tableId].nameSetting;
  const explicitTable = options.table ?? process.env[tableSetting];
  if (explicitTable) {
    return { client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: explicitTable };
  }
  const local = await readLocalState();
  if (!local) {
    console.error(
      `No local stack is running (start one with npm start), and no table was named:\n` +
        `for a deployed stack pass --table NAME (or set ${tableSetting}) with AWS credentials and AWS_REGION set.`,
    );
    process.exit(2);
  }
  const tableName = local.tableNames[tableId];
  if (!tableName) throw new Error(`the local stack has no ${tableId} table`);
  // As the stack's functions reach it: its stand-in, or the DynamoDB at DYNAMODB_ENDPOINT with your credentials.
  return { client: stateDocumentClient(local), tableName };
}

async function readItems(): Promise<Item[]> {
  // A sent message's CKey is its key: one read.
  if (options.sent && options.ckey !== undefined) {
    return getItemsInOrder(client, tableName, ["ckey"], [{ ckey: options.ckey }]);
  }
  // A number is its item's key: one read, whatever its state.
  if (options.suppression !== undefined) {
    return getItemsInOrder(client, tableName, ["number"], [{ number: phoneNumber(options.suppression) }]);
  }
  const query = indexQuery();
  const pages = query
    ? paginateQuery({ client }, { TableName: tableName, ScanIndexForward: false, ...query })
    : paginateScan({ client }, { TableName: tableName });
  const items: Item[] = [];
  for await (const page of pages) {
    items.push(...(page.Items ?? []));
    if (query && items.length >= limit) break;
  }
  if (query) {
    // The indexes hold keys only: the items themselves, in the index's order.
    const { partitionKey, sortKey }: TableDefinition = tables[tableId];
    const keyAttributes = sortKey === undefined ? [partitionKey] : [partitionKey, sortKey];
    return getItemsInOrder(client, tableName, keyAttributes, items.slice(0, limit));
  }
  const timeOf = (item: Item) =>
    String(item.firstArrivalAt ?? item.lastCallbackAt ?? item.receivedAt ?? item.requestedAt ?? "");
  return items.sort((a, b) => timeOf(b).localeCompare(timeOf(a)));
}

/** A Query on an index, never a Scan, for the filters that have one. */
function indexQuery() {
  if (options.rejected) return undefined;
  // The sparse index holds suppressed numbers only, newest `since` first: no Scan.
  if (options.suppressed) {
    const { name, partitionKey, value } = suppressionIndexes.suppressed;
    return {
      IndexName: name,
      KeyConditionExpression: "#key = :value",
      ExpressionAttributeNames: { "#key": partitionKey },
      ExpressionAttributeValues: { ":value": value },
    };
  }
  if (options.sent) {
    if (options.msgid !== undefined) return keyQuery("sentMessages", "msgId", options.msgid);
    const number = options.recipient === undefined ? undefined : phoneNumber(options.recipient);
    return number === undefined ? undefined : keyQuery("sentMessages", "recipient", number);
  }
  if (options.status) {
    const [attribute, value] = options.msgid ? ["msgId", options.msgid] : options.ckey ? ["cKey", options.ckey] : [];
    return attribute && value !== undefined ? keyQuery("deliveryReports", attribute, value) : undefined;
  }
  return numberQuery();
}

function keyQuery(table: "inboundMessages" | "deliveryReports" | "sentMessages", attribute: string, value: string) {
  const index = tables[table].indexes.find((candidate) => candidate.partitionKey === attribute);
  if (!index) throw new Error(`the topology has no index of ${table} on ${attribute}`);
  return {
    IndexName: index.name,
    KeyConditionExpression: "#key = :value",
    ExpressionAttributeNames: { "#key": attribute },
    ExpressionAttributeValues: { ":value": value },
  };
}

/** --sender / --recipient: the number may be written any usual way. */
function numberQuery() {
  const [attribute, value] = options.sender
    ? ["sender", options.sender]
    : options.recipient
      ? ["recipient", options.recipient]
      : [];
  if (!attribute || value === undefined) return undefined;
  return keyQuery("inboundMessages", attribute, phoneNumber(value));
}

/** A number written any usual way, in E.164 as the indexes hold it. */
function phoneNumber(value: string): string {
  const number = parsePhoneNumber(value);
  if (!number) {
    console.error(`${value} is not a phone number`);
    process.exit(2);
  }
  return number.e164;
}

function printTable(rows: Item[]): void {
  const columns =
    options.suppressed || options.suppression !== undefined
      ? [
          ["number", (item: Item) => String(item.number)],
          ["suppressed", (item: Item) => String(item.suppressed)],
          ["since", (item: Item) => String(item.since)],
          ["message", (item: Item) => String((item.evidence as Item | undefined)?.messageId ?? "")],
          ["text", (item: Item) => clip(String((item.evidence as Item | undefined)?.text ?? ""), 30)],
          ["to (receiving number)", (item: Item) => String((item.evidence as Item | undefined)?.recipient ?? "")],
          ["requests", (item: Item) => String(Array.isArray(item.history) ? item.history.length : 0)],
        ]
      : options.status
        ? [
            ["last callback", (item: Item) => String(item.lastCallbackAt)],
            ["MsgId", (item: Item) => String(item.msgId ?? "")],
            ["CKey", (item: Item) => String(item.cKey ?? "")],
            ["status", (item: Item) => `${item.status} (${item.outcome}${item.final ? ", final" : ""})`],
            ["code", (item: Item) => `${item.errorCode} ${item.errorMeaning}`],
            ["callbacks", (item: Item) => String(item.callbackCount)],
            ["results", (item: Item) => String(Array.isArray(item.history) ? item.history.length : 0)],
            ["flags", (item: Item) => (Array.isArray(item.flags) ? item.flags.join(",") : "")],
          ]
        : options.sent
          ? [
              ["requested", (item: Item) => String(item.requestedAt)],
              ["CKey", (item: Item) => clip(String(item.ckey), 40)],
              ["to", (item: Item) => String(item.recipient ?? item.to ?? "")],
              ["status", (item: Item) => String(item.status)],
              ["sent", (item: Item) => String(item.sendOutcome)],
              ["MsgId", (item: Item) => String(item.msgId ?? "")],
              ["text", (item: Item) => clip(String(item.text ?? ""), 30)],
              ["reason / result", (item: Item) => clip(String(item.reason ?? item.resultMeaning ?? ""), 50)],
            ]
          : options.rejected
            ? [
                ["received", (item: Item) => String(item.receivedAt)],
                ["route", (item: Item) => String(item.route)],
                ["status", (item: Item) => String(item.httpStatus)],
                ["code", (item: Item) => String(item.errorCode)],
                ["reason", (item: Item) => clip(String(item.reason), 60)],
                ["id", (item: Item) => String(item.rejectionId)],
                ["replay", (item: Item) => clip(describeReplay(item.replay as ReplayOutcome | undefined), 80)],
              ]
            : [
                ["first arrival", (item: Item) => String(item.firstArrivalAt)],
                ["sender", (item: Item) => String(item.sender)],
                ["recipient", (item: Item) => String(item.recipient)],
                ["prefix", (item: Item) => String(item.prefix)],
                ["text", (item: Item) => clip(String(item.text), 40)],
                ["deliveries", (item: Item) => String(item.deliveryCount)],
                [
                  "last arrival",
                  (item: Item) =>
                    String(
                      lastArrivalOf({ arrivals: [...((item.arrivals as Set<string>) ?? [])] }) ?? item.lastArrivalAt,
                    ),
                ],
                ["flags", (item: Item) => (Array.isArray(item.flags) ? item.flags.join(",") : "")],
              ];
  const cells = rows.map((row) => columns.map(([, read]) => (read as (item: Item) => string)(row)));
  const headers = columns.map(([title]) => title as string);
  const widths = headers.map((header, i) =>
    Math.max(displayWidth(header), ...cells.map((row) => displayWidth(row[i] ?? ""))),
  );
  const line = (values: string[]) =>
    values
      .map((value, i) => pad(value, widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  console.log(line(headers));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of cells) console.log(line(row));
  console.log(`\n${rows.length} record(s) in ${tableName}`);
}

/** DynamoDB string sets (an inbound record's arrivals) as sorted lists. */
function setsAsLists(_key: string, value: unknown): unknown {
  return value instanceof Set ? [...value].sort() : value;
}

function clip(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, " ");
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** Korean syllables take two columns in a terminal. */
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text)
    width += /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/u.test(char)
      ? 2
      : 1;
  return width;
}

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}
