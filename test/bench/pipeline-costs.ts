/**
 * What one message costs in DynamoDB, SQS, SNS and logs, measured through the whole local pipeline (HTTP
 * front → receive function → SQS → processor → DynamoDB), scenario by scenario, beside its floor
 * measured in the same run against the same local DynamoDB.
 *
 * The functions reach DynamoDB, SQS and SNS through counting proxies (meters.ts), set as their
 * AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_SNS; nothing here knows how the code stores a
 * message. Each scenario runs message by message: send, wait until the queues are empty and the
 * processors idle, read the meters. Logs are what the functions write to stdout and stderr at info
 * level with metrics on, told apart by function: what runs under an HTTP request of the front is the
 * receive function, what runs under the SQS pollers the processor (AsyncLocalStorage). Not by the
 * lines' `function_name`: the local stack runs every function in this one process, where the
 * Powertools logger is one module instance whose Lambda context the latest invocation to start
 * overwrites, so under concurrency a line can carry another function's name (on Lambda, an
 * environment runs one invocation at a time).
 *
 * The floor of each scenario: one conditional PutItem per arrival of the very item ours stored for
 * the message (the largest item it wrote), into a table of the same key and no index: the first
 * arrival creates it, every later one fails the condition. One SendMessage per arrival, one Publish
 * per SMS stored (the events feature's least: floor/processor.ts), and one log line
 * (floor/processor.ts's `floorLogLine`).
 *
 * BENCH_SCENARIO_MESSAGES (default 10) messages per scenario, BENCH_BURST_GROUPS (default 3) bursts of
 * 20 identical deliveries.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";
import { type Item, itemSize } from "./capacity.ts";
import { floorLogLine } from "./floor/contract.ts";
import {
  type DynamoDbCall,
  type SnsCall,
  type SqsCall,
  startDynamoDbMeter,
  startSnsMeter,
  startSqsMeter,
} from "./meters.ts";
import { callbackBody, finish, formHeaders, progress, sleep, smsBody } from "./part.ts";
import type {
  DynamoDbFigures,
  FloorFigures,
  Growth,
  LogFigures,
  PipelineFigures,
  PipelineScenarioFigures,
  Scenario,
} from "./results.ts";

process.env.LOG_LEVEL = "info";
process.env.POWERTOOLS_METRICS_DISABLED = "false";

const messagesPerScenario = Number(process.env.BENCH_SCENARIO_MESSAGES ?? 10);
const burstGroups = Number(process.env.BENCH_BURST_GROUPS ?? 3);
const burstSize = 20;
const growthCheckpoints = [1, 10, 100, 200];

type FunctionKind = "receive" | "processor";
const running = new AsyncLocalStorage<FunctionKind>();

// ---- what the functions write -------------------------------------------------------------------

interface LogLine {
  kind: FunctionKind | "other";
  stream: "stdout" | "stderr";
  text: string;
}
const lines: LogLine[] = [];

function captureOutput(): () => void {
  const partial = new Map<string, string>();
  const restores = (["stdout", "stderr"] as const).map((name) => {
    const stream = process[name] as unknown as { write: (...args: unknown[]) => boolean };
    const original = stream.write;
    stream.write = (chunk: unknown, encoding?: unknown, callback?: unknown) => {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
      const kind = running.getStore() ?? "other";
      const key = `${kind}:${name}`;
      const pieces = ((partial.get(key) ?? "") + text).split("\n");
      partial.set(key, pieces.pop() ?? "");
      for (const piece of pieces) lines.push({ kind, stream: name, text: piece });
      const done = typeof encoding === "function" ? encoding : callback;
      if (typeof done === "function") process.nextTick(done as () => void);
      return true;
    };
    return () => {
      stream.write = original;
    };
  });
  return () => {
    for (const restore of restores) restore();
  };
}

// What runs under a request to the front is the receive function's (the front is known once started).
let frontPort = -1;
const emit = Server.prototype.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
  if (event === "request" && (this.address() as AddressInfo | null)?.port === frontPort) {
    return running.run("receive", () => emit.call(this, event, ...args));
  }
  return emit.call(this, event, ...args);
} as typeof Server.prototype.emit;

// ---- the pipeline, through the meters -----------------------------------------------------------

const dynamoDbTarget = Promise.withResolvers<string>();
const sqsTarget = Promise.withResolvers<string>();
const dynamoDb = await startDynamoDbMeter(dynamoDbTarget.promise);
const sqs = await startSqsMeter(sqsTarget.promise);
// fauxqs serves SNS on its SQS endpoint.
const sns = await startSnsMeter(sqsTarget.promise);

const restoreOutput = captureOutput();
const { startTestPipeline } = await import("../support/pipeline.ts");
const pipeline = await running.run("processor", () =>
  startTestPipeline({
    settings: {
      TOBETEXT_PREFIXES: "TOBE",
      TOBETEXT_NUMBERS: "",
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
    },
    throttle: false,
  }),
);
dynamoDbTarget.resolve(pipeline.stack.dynamoDbEndpoint);
sqsTarget.resolve(pipeline.stack.sqsEndpoint);
frontPort = Number(new URL(pipeline.stack.urls.inboundSms).port);

const floorClient = new DynamoDBClient({
  endpoint: dynamoDb.endpoint,
  region: "ap-northeast-2",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});
const directClient = new DynamoDBClient({
  endpoint: pipeline.stack.dynamoDbEndpoint,
  region: "ap-northeast-2",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});

interface Mark {
  calls: number;
  sqs: number;
  sns: number;
  lines: number;
}
interface Window {
  calls: DynamoDbCall[];
  sqs: SqsCall[];
  sns: SnsCall[];
  lines: LogLine[];
}
const mark = (): Mark => ({
  calls: dynamoDb.calls.length,
  sqs: sqs.calls.length,
  sns: sns.calls.length,
  lines: lines.length,
});
const since = (from: Mark): Window => ({
  calls: dynamoDb.calls.slice(from.calls),
  sqs: sqs.calls.slice(from.sqs),
  sns: sns.calls.slice(from.sns),
  lines: lines.slice(from.lines),
});

/** Until everything sent has been processed: queues empty, processors idle, no call in flight. */
async function settle(): Promise<void> {
  for (;;) {
    await pipeline.stack.idle();
    const depth = (await pipeline.queueDepth("inboundSms")) + (await pipeline.queueDepth("statusCallbacks"));
    if (depth === 0 && dynamoDb.inFlight() === 0 && sqs.inFlight() === 0 && sns.inFlight() === 0) {
      await pipeline.stack.idle();
      if (dynamoDb.inFlight() === 0) return;
    }
    await sleep(5);
  }
}

async function post(url: string, body: string): Promise<void> {
  const response = await pipeline.post(url, body, formHeaders);
  if (response.status !== 200) throw new Error(`the pipeline answered ${response.status}: ${response.text}`);
}

/** Sends, waits until all is processed, and returns what it cost. */
async function measured(send: () => Promise<void>): Promise<Window> {
  await settle();
  const from = mark();
  await send();
  await settle();
  return since(from);
}

/** The largest item a window wrote, as now stored: the message's record. */
function largestWrite(window: Window): { table: string; key: string } {
  let largest: { table: string; key: string; size: number } | undefined;
  for (const call of window.calls) {
    for (const write of call.writes) {
      const size = dynamoDb.sizes.get(write.key) ?? 0;
      if (!largest || size > largest.size) largest = { table: write.table, key: write.key, size };
    }
  }
  if (!largest) throw new Error("the pipeline wrote nothing to DynamoDB through the meter");
  return largest;
}

// ---- the floor: one conditional PutItem of the same item, into a table of the same key, no index --

const floorTables = new Map<string, Promise<{ name: string; partitionKey: string }>>();
function floorTable(source: string, item: Item) {
  let table = floorTables.get(source);
  if (!table) {
    table = (async () => {
      const { keyAttributes } = await dynamoDb.tableShape(source);
      const name = `bench-floor-${source}`;
      try {
        await directClient.send(
          new CreateTableCommand({
            TableName: name,
            BillingMode: "PAY_PER_REQUEST",
            KeySchema: keyAttributes.map((attribute, index) => ({
              AttributeName: attribute,
              KeyType: index === 0 ? "HASH" : "RANGE",
            })),
            AttributeDefinitions: keyAttributes.map((attribute) => ({
              AttributeName: attribute,
              AttributeType: Object.keys(item[attribute] ?? { S: "" })[0] as "S" | "N" | "B",
            })),
          }),
        );
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      return { name, partitionKey: keyAttributes[0] ?? "" };
    })();
    floorTables.set(source, table);
  }
  return table;
}

interface FloorRecord {
  table: string;
  item: Item;
}

async function floorRecordOf(window: Window): Promise<FloorRecord> {
  const { table, key } = largestWrite(window);
  const keyItem = window.calls.flatMap((call) => call.writes).find((write) => write.key === key)?.keyItem;
  const item = keyItem && (await dynamoDb.getItem(table, keyItem));
  if (!item) throw new Error(`the record ${key} is not in ${table}`);
  return { table, item };
}

/** The same record under another key (the partition key's value, suffixed). */
async function rekeyed({ table, item }: FloorRecord, suffix: string): Promise<FloorRecord> {
  const [partitionKey = ""] = (await dynamoDb.tableShape(table)).keyAttributes;
  const key = item[partitionKey];
  if (!key || !("S" in key)) throw new Error(`${table}'s partition key is not a string`);
  return { table, item: { ...item, [partitionKey]: { S: `${key.S}#${suffix}` } } };
}

async function floorPut({ table, item }: FloorRecord): Promise<void> {
  const floor = await floorTable(table, item);
  try {
    await floorClient.send(
      new PutItemCommand({
        TableName: floor.name,
        Item: item as never,
        ConditionExpression: "attribute_not_exists(#key)",
        ExpressionAttributeNames: { "#key": floor.partitionKey },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

// ---- figures ------------------------------------------------------------------------------------

type Figures = PipelineScenarioFigures;

function dynamoDbFigures(calls: DynamoDbCall[]): DynamoDbFigures {
  const requests: Record<string, number> = {};
  for (const call of calls) requests[call.operation] = (requests[call.operation] ?? 0) + 1;
  return {
    requests,
    requestsTotal: calls.length,
    conditionFailures: calls.filter((call) => call.error?.includes("ConditionalCheckFailed")).length,
    rru: calls.reduce((sum, call) => sum + call.rru, 0),
    wru: calls.reduce((sum, call) => sum + call.wru, 0),
    wruIndexes: calls.reduce((sum, call) => sum + call.wruIndexes, 0),
  };
}

const isEmf = (text: string) => {
  try {
    return (JSON.parse(text) as { _aws?: unknown })._aws !== undefined;
  } catch {
    return false;
  }
};

function logFigures(window: LogLine[], kind: FunctionKind): LogFigures {
  const figures = { appLines: 0, appBytes: 0, emfLines: 0, emfBytes: 0 };
  for (const line of window) {
    if (line.kind !== kind) continue;
    const bytes = Buffer.byteLength(line.text, "utf8") + 1;
    if (isEmf(line.text)) {
      figures.emfLines++;
      figures.emfBytes += bytes;
    } else {
      figures.appLines++;
      figures.appBytes += bytes;
    }
  }
  return figures;
}

function figuresOf(windows: Window[]): Figures {
  const all = {
    calls: windows.flatMap((window) => window.calls),
    sqs: windows.flatMap((window) => window.sqs),
    sns: windows.flatMap((window) => window.sns),
    lines: windows.flatMap((window) => window.lines),
  };
  const sends = all.sqs.filter((call) => call.messages.length > 0);
  return {
    dynamoDb: dynamoDbFigures(all.calls),
    sqs: {
      sendRequests: sends.length,
      billedRequests: sends.reduce((sum, call) => sum + call.billed, 0),
      messages: sends.reduce((sum, call) => sum + call.messages.length, 0),
      bytes: sends.reduce((sum, call) => sum + call.messages.reduce((total, message) => total + message.bytes, 0), 0),
    },
    sns: {
      publishRequests: all.sns.length,
      billedRequests: all.sns.reduce((sum, call) => sum + call.billed, 0),
      messages: all.sns.reduce((sum, call) => sum + call.messages, 0),
      bytes: all.sns.reduce((sum, call) => sum + call.bytes, 0),
    },
    logs: {
      receive: logFigures(all.lines, "receive"),
      processor: logFigures(all.lines, "processor"),
      unattributedLines: all.lines.filter((line) => line.kind === "other").length,
      stderrLines: all.lines.filter((line) => line.stream === "stderr").length,
    },
  };
}

const scenarios: Scenario[] = [];

/**
 * The floor's figures. `announces`: whether what it stores is announced with one Publish (an SMS:
 * the events feature's `inbound.received`; a status callback with no sent message behind it, as in
 * these scenarios, announces nothing, ours neither).
 */
function floorFigures(
  windows: Window[],
  sends: number,
  outcomes: ("stored" | "duplicate")[],
  record: FloorRecord,
  announces: boolean,
): FloorFigures {
  const logLine = (outcome: "stored" | "duplicate") => floorLogLine("0".repeat(32), outcome);
  return {
    dynamoDb: dynamoDbFigures(windows.flatMap((window) => window.calls)),
    sqsSends: sends,
    snsPublishes: announces ? outcomes.filter((outcome) => outcome === "stored").length : 0,
    logLines: outcomes.length,
    logBytes: outcomes.reduce((sum, outcome) => sum + Buffer.byteLength(logLine(outcome)), 0),
    itemBytes: itemSize(record.item),
  };
}

// ---- the scenarios ------------------------------------------------------------------------------

const urls = pipeline.stack.urls;
const indexes = Array.from({ length: messagesPerScenario }, (_, index) => index);

progress(`pipeline costs: ${messagesPerScenario} messages per scenario (${pipeline.stack.dynamoDbTarget})`);

// (a) a new SMS
const newWindows: Window[] = [];
const newFloorWindows: Window[] = [];
const records: FloorRecord[] = [];
for (const index of indexes) {
  const window = await measured(() => post(urls.inboundSms, smsBody(index)));
  newWindows.push(window);
  const record = await floorRecordOf(window);
  records.push(record);
  newFloorWindows.push(await measured(() => floorPut(record)));
}
const queuedBodies = newWindows.map((window) =>
  window.sqs.flatMap((call) => call.messages.map((message) => message.body)),
);
scenarios.push({
  id: "new-sms",
  title: "a new SMS",
  arrivals: indexes.length,
  per: { unit: "message", arrivals: 1 },
  ours: figuresOf(newWindows),
  floor: floorFigures(
    newFloorWindows,
    indexes.length,
    indexes.map(() => "stored"),
    records[0] as FloorRecord,
    true,
  ),
});

progress("pipeline costs: retries");
// (b) a retry inside the window: the same request again
const retryWindows: Window[] = [];
const retryFloorWindows: Window[] = [];
for (const index of indexes) {
  retryWindows.push(await measured(() => post(urls.inboundSms, smsBody(index))));
  retryFloorWindows.push(await measured(() => floorPut(records[index] as FloorRecord)));
}
scenarios.push({
  id: "retry",
  title: "a retry inside the dedupe window (the same request again)",
  arrivals: indexes.length,
  per: { unit: "retry", arrivals: 1 },
  ours: figuresOf(retryWindows),
  floor: floorFigures(
    retryFloorWindows,
    indexes.length,
    indexes.map(() => "duplicate"),
    records[0] as FloorRecord,
    true,
  ),
});

progress("pipeline costs: SQS redeliveries");
// (c) an SQS redelivery of an arrival already counted: the very envelope of (a) queued again
const redeliveryWindows: Window[] = [];
const redeliveryFloorWindows: Window[] = [];
for (const index of indexes) {
  const bodies = queuedBodies[index] ?? [];
  if (bodies.length === 0) throw new Error("the receive function queued nothing through the SQS meter");
  redeliveryWindows.push(await measured(() => pipeline.enqueue("inboundSms", bodies)));
  redeliveryFloorWindows.push(await measured(() => floorPut(records[index] as FloorRecord)));
}
scenarios.push({
  id: "redelivery",
  title: "an SQS redelivery of an arrival already counted",
  arrivals: indexes.length,
  per: { unit: "redelivery", arrivals: 1 },
  ours: figuresOf(redeliveryWindows),
  floor: floorFigures(
    redeliveryFloorWindows,
    0,
    indexes.map(() => "duplicate"),
    records[0] as FloorRecord,
    true,
  ),
});

progress("pipeline costs: bursts of identical deliveries");
// (d) 20 identical deliveries at once
const burstWindows: Window[] = [];
const burstFloorWindows: Window[] = [];
for (let group = 0; group < burstGroups; group++) {
  const body = smsBody(10_000 + group);
  burstWindows.push(
    await measured(async () => {
      await Promise.all(Array.from({ length: burstSize }, () => post(urls.inboundSms, body)));
    }),
  );
  // The floor stores the message once: its record is a new SMS's, under a key of its own.
  const record = await rekeyed(records[group % records.length] as FloorRecord, `burst-${group}`);
  burstFloorWindows.push(
    await measured(async () => {
      await Promise.all(Array.from({ length: burstSize }, () => floorPut(record)));
    }),
  );
}
scenarios.push({
  id: "burst",
  title: `${burstSize} identical deliveries at once`,
  arrivals: burstGroups * burstSize,
  per: { unit: `${burstSize} deliveries`, arrivals: burstSize },
  ours: figuresOf(burstWindows),
  floor: floorFigures(
    burstFloorWindows,
    burstGroups * burstSize,
    Array.from({ length: burstGroups * burstSize }, (_, index) => (index % burstSize === 0 ? "stored" : "duplicate")),
    records[0] as FloorRecord,
    true,
  ),
});

progress("pipeline costs: status callbacks");
// (e) a status callback, new and repeated
const callbackWindows: Window[] = [];
const callbackFloorWindows: Window[] = [];
const callbackRecords: FloorRecord[] = [];
for (const index of indexes) {
  const window = await measured(() => post(urls.statusCallback, callbackBody(index)));
  callbackWindows.push(window);
  const record = await floorRecordOf(window);
  callbackRecords.push(record);
  callbackFloorWindows.push(await measured(() => floorPut(record)));
}
scenarios.push({
  id: "callback-new",
  title: "a status callback, new",
  arrivals: indexes.length,
  per: { unit: "callback", arrivals: 1 },
  ours: figuresOf(callbackWindows),
  floor: floorFigures(
    callbackFloorWindows,
    indexes.length,
    indexes.map(() => "stored"),
    callbackRecords[0] as FloorRecord,
    false,
  ),
});
const repeatWindows: Window[] = [];
const repeatFloorWindows: Window[] = [];
for (const index of indexes) {
  repeatWindows.push(await measured(() => post(urls.statusCallback, callbackBody(index))));
  repeatFloorWindows.push(await measured(() => floorPut(callbackRecords[index] as FloorRecord)));
}
scenarios.push({
  id: "callback-repeat",
  title: "a status callback, repeated (the same result again)",
  arrivals: indexes.length,
  per: { unit: "callback", arrivals: 1 },
  ours: figuresOf(repeatWindows),
  floor: floorFigures(
    repeatFloorWindows,
    indexes.length,
    indexes.map(() => "duplicate"),
    callbackRecords[0] as FloorRecord,
    false,
  ),
});

// ---- item size after N arrivals of one SMS ------------------------------------------------------

progress(`pipeline costs: one SMS arriving ${growthCheckpoints.at(-1)} times`);
const growth: Growth[] = [];
const growthBody = smsBody(20_000);
const written = new Map<string, string>();
let arrived = 0;
let growthRecord: FloorRecord | undefined;
for (const checkpoint of growthCheckpoints) {
  // One after another, each processed before the next comes, as a sender's retries come (seconds
  // apart at least): sent at once, they would measure contention on the record instead.
  const bulk: Window = { calls: [], sqs: [], sns: [], lines: [] };
  for (let count = arrived; count < checkpoint - 1; count++) {
    bulk.calls.push(...(await measured(() => post(urls.inboundSms, growthBody))).calls);
  }
  arrived = checkpoint - 1;
  const window = await measured(() => post(urls.inboundSms, growthBody));
  arrived++;
  growthRecord ??= await floorRecordOf(window);
  for (const call of [...bulk.calls, ...window.calls]) {
    for (const write of call.writes) written.set(write.key, write.table);
  }
  const sizes = [...written.keys()].map((key) => dynamoDb.sizes.get(key) ?? 0);
  const largest = largestWrite({ calls: [...bulk.calls, ...window.calls], sqs: [], sns: [], lines: [] });
  const largestAll = [...written.entries()].reduce(
    (best, [key, table]) => {
      const bytes = dynamoDb.sizes.get(key) ?? 0;
      return bytes > best.bytes ? { table, bytes } : best;
    },
    { table: largest.table, bytes: 0 },
  );
  growth.push({
    arrivals: checkpoint,
    largestItem: largestAll,
    itemsWritten: sizes.length,
    itemsBytes: sizes.reduce((sum, bytes) => sum + bytes, 0),
    arrival: dynamoDbFigures(window.calls),
  });
}

await settle();
restoreOutput();
Server.prototype.emit = emit as typeof Server.prototype.emit;
await pipeline.stop();
floorClient.destroy();
directClient.destroy();
await dynamoDb.close();
await sqs.close();
await sns.close();

const unattributed = lines.filter((line) => line.kind === "other");
finish("pipeline costs", {
  burstGroups,
  dynamoDbTarget: pipeline.stack.dynamoDbTarget,
  sms: smsBody(0),
  callback: callbackBody(0),
  messagesPerScenario,
  floorLogLine: floorLogLine("89019177381d47cbafe76a5bd5c9718f", "stored").trimEnd(),
  scenarios,
  growth,
  growthFloorItemBytes: growthRecord ? itemSize(growthRecord.item) : 0,
  checks: {
    /** Lines written outside any function (the bench's own, or the stack's). */
    unattributedLines: unattributed.map((line) => line.text).slice(0, 5),
    /** Errors and warnings the functions logged (a record that failed and came back later, ...). */
    errorLines: lines
      .filter((line) => line.stream === "stderr" || /"level":"(ERROR|WARN|CRITICAL)"/.test(line.text))
      .map((line) => line.text.slice(0, 600))
      .slice(0, 5),
  },
} satisfies PipelineFigures);
