/**
 * CPU time per message of the inbound SMS functions, beside their floors (floor/receive.ts,
 * floor/processor.ts): each handler is invoked in this process, one request or one SQS record at a
 * time, as on Lambda at SMS volumes, against DynamoDB and SQS stand-ins running in a child process
 * (stand-ins-process.ts), so that only the handler's own work and its SDK calls count. At info level
 * with metrics on, as deployed; what the functions write goes nowhere (its formatting still counts).
 *
 * Receive: BENCH_CPU_INVOCATIONS (default 500) new SMS and as many retries of them, after 20 to warm
 * up; ours and the floor each queue what they receive. Processor: what each receive function queued,
 * new SMS first, then the retries.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { buildEvent } from "../../infra/local/api-gateway-event.ts";
import { createTopics } from "../../infra/local/events-log.ts";
import type { HttpHandler } from "../../infra/local/http-front.ts";
import { createQueues, prepareTables } from "../../infra/local/resources.ts";
import type { SqsHandler } from "../../infra/local/sqs-poller.ts";
import { localCredentials, localRegion } from "../../infra/local/stand-ins.ts";
import {
  consumers,
  type QueueId,
  queues,
  routes,
  secretPathParameter,
  settingDefaults,
  type TableId,
  type TopicId,
  tables,
  topics,
  urlSecretSettings,
} from "../../infra/topology.ts";
import { lambdaContext, sqsEvent, sqsRecord } from "../support/sqs.ts";
import { floorQueueSetting, floorTableSetting, floorTopicSetting } from "./floor/contract.ts";
import { finish, progress, smsBody } from "./part.ts";
import type { CpuFigures } from "./results.ts";

const invocations = Number(process.env.BENCH_CPU_INVOCATIONS ?? 500);
const warmUp = 20;
const root = resolve(import.meta.dirname, "../..");
const urlSecret = "bench-url-secret-0123456789";

progress(`cpu: ${invocations} invocations per handler and kind`);
const child = spawn(process.execPath, [resolve(import.meta.dirname, "stand-ins-process.ts")], {
  stdio: ["pipe", "pipe", "inherit"],
});
const [firstLine] = await createInterface({ input: child.stdout })
  [Symbol.asyncIterator]()
  .next()
  .then((line) => [line.value as string]);
const endpoints = JSON.parse(firstLine ?? "{}") as { dynamoDb: string; sqs: string };

try {
  const tableClient = new DynamoDBClient({
    endpoint: endpoints.dynamoDb,
    region: localRegion,
    credentials: localCredentials,
  });
  const { names: tableNames } = await prepareTables(tableClient, {
    prefix: "tobetext-",
    where: `the bench's DynamoDB at ${endpoints.dynamoDb}`,
    remedy: () => "it starts empty",
    // Its own dynalite, which starts empty: nothing to upgrade.
    updatesIndexes: false,
  }).finally(() => tableClient.destroy());
  const sqs = new SQSClient({ endpoint: endpoints.sqs, region: localRegion, credentials: localCredentials });
  const createdQueues = await createQueues(sqs, endpoints.sqs, {});
  // fauxqs serves SNS too: the topics the processors publish to (each new SMS costs one Publish, as on AWS).
  const sns = new SNSClient({ endpoint: endpoints.sqs, region: localRegion, credentials: localCredentials });
  const topicArns = await createTopics(sns);
  const { TopicArn: floorTopicArn = "" } = await sns.send(new CreateTopicCommand({ Name: "bench-floor" }));
  sns.destroy();
  const { QueueUrl: floorQueueUrl = "" } = await sqs.send(new CreateQueueCommand({ QueueName: "bench-floor" }));
  const dynamo = new DynamoDBClient({
    endpoint: endpoints.dynamoDb,
    region: localRegion,
    credentials: localCredentials,
  });
  /** A floor's table: keyed by `messageId`, no index. */
  const createFloorTable = (name: string) =>
    dynamo.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [{ AttributeName: "messageId", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "messageId", AttributeType: "S" }],
      }),
    );
  await createFloorTable("bench-floor");
  // The floor without events stores the same messages in a table of its own, so that they are new to it too.
  await createFloorTable("bench-floor-without-events");
  dynamo.destroy();

  // As the local stack sets them, before the handlers are imported (they read them at load).
  Object.assign(process.env, {
    AWS_REGION: localRegion,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamoDb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SNS: endpoints.sqs,
    ...Object.fromEntries(Object.entries(topics).map(([id, topic]) => [topic.arnSetting, topicArns[id as TopicId]])),
    ...Object.fromEntries(Object.entries(settingDefaults).filter(([name]) => process.env[name] === undefined)),
    TOBETEXT_PREFIXES: "TOBE",
    TOBETEXT_NUMBERS: "",
    LOG_LEVEL: "info",
    POWERTOOLS_METRICS_DISABLED: "false",
    [urlSecretSettings.secrets]: urlSecret,
    ...Object.fromEntries(Object.entries(tables).map(([id, table]) => [table.nameSetting, tableNames[id as TableId]])),
    ...Object.fromEntries(
      Object.entries(queues).map(([id, queue]) => [queue.urlSetting, createdQueues[id as QueueId].url]),
    ),
    [floorQueueSetting]: floorQueueUrl,
    [floorTableSetting]: "bench-floor",
    [floorTopicSetting]: floorTopicArn,
  });

  const load = async <T>(entry: string) =>
    ((await import(pathToFileURL(resolve(root, entry)).href)) as { handler: T }).handler;
  const { floorProcessor } = (await import("./floor/processor.ts")) as {
    floorProcessor: (options: { tableName: string; topicArn: string | undefined }) => SqsHandler;
  };
  const handlers = {
    receive: {
      ours: await load<HttpHandler>(routes.inboundSms.entry),
      floor: await load<HttpHandler>("test/bench/floor/receive.ts"),
    },
    processor: {
      ours: await load<SqsHandler>(consumers.inboundProcessor.entry),
      floor: await load<SqsHandler>("test/bench/floor/processor.ts"),
      // The floor as it was before the product published events: no Publish.
      floorWithoutEvents: floorProcessor({ tableName: "bench-floor-without-events", topicArn: undefined }),
    },
  };

  const event = (index: number) =>
    buildEvent({
      method: "POST",
      httpVersion: "1.1",
      rawHeaders: [
        "Host",
        "127.0.0.1:3000",
        "User-Agent",
        "curl/8.5.0",
        "Content-Type",
        "application/x-www-form-urlencoded",
      ],
      remoteAddress: "127.0.0.1",
      listener: { host: "127.0.0.1", port: 3000 },
      routeKey: `ANY ${routes.inboundSms.path}/{${secretPathParameter}}`,
      pathParameters: { [secretPathParameter]: urlSecret },
      rawPath: `${routes.inboundSms.path}/${urlSecret}`,
      rawQueryString: "",
      body: Buffer.from(smsBody(index)),
      requestId: randomBytes(8).toString("base64url"),
      receivedAt: new Date(),
    });

  /** Runs `count` invocations one after another after `warm` more, and returns CPU and wall time per invocation. */
  async function timed(warm: number, count: number, invoke: (index: number) => Promise<void>) {
    const stdout = process.stdout as unknown as { write: (...args: unknown[]) => boolean };
    const write = stdout.write;
    let written = 0;
    stdout.write = (chunk: unknown) => {
      written += Buffer.byteLength(String(chunk));
      return true;
    };
    try {
      for (let index = 0; index < warm; index++) await invoke(index);
      written = 0;
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let index = warm; index < warm + count; index++) await invoke(index);
      const wallMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      return {
        cpuMs: (used.user + used.system) / 1000 / count,
        wallMs: wallMs / count,
        stdoutBytes: written / count,
      };
    } finally {
      stdout.write = write;
    }
  }

  async function drain(queueUrl: string): Promise<string[]> {
    const bodies: string[] = [];
    for (let empty = 0; empty < 3; ) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) {
        empty++;
        continue;
      }
      bodies.push(...Messages.map((message) => message.Body ?? ""));
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    }
    return bodies;
  }

  const context = (name: string) => lambdaContext(name);
  const receive = (handler: HttpHandler, name: string) => async (index: number) => {
    const result = (await handler(event(index), context(name))) as { statusCode?: number; body?: string };
    if (result?.statusCode !== 200) throw new Error(`${name} answered ${result?.statusCode}: ${result?.body}`);
  };
  const process_ = (handler: SqsHandler, name: string, bodies: string[]) => async (index: number) => {
    const result = await handler(sqsEvent(sqsRecord(`record-${index}`, bodies[index] ?? "")), context(name));
    if (result && result.batchItemFailures.length > 0) throw new Error(`${name} failed a record`);
  };

  const total = warmUp + invocations;
  const receiveNew = {
    ours: await timed(warmUp, invocations, receive(handlers.receive.ours, "inboundSms")),
    floor: await timed(warmUp, invocations, receive(handlers.receive.floor, "floorReceive")),
  };
  const oursNew = await drain(createdQueues.inboundSms.url);
  const floorNew = await drain(floorQueueUrl);
  const receiveRetry = {
    ours: await timed(warmUp, invocations, receive(handlers.receive.ours, "inboundSms")),
    floor: await timed(warmUp, invocations, receive(handlers.receive.floor, "floorReceive")),
  };
  const oursRetry = await drain(createdQueues.inboundSms.url);
  const floorRetry = await drain(floorQueueUrl);
  if ([oursNew, floorNew, oursRetry, floorRetry].some((bodies) => bodies.length !== total)) {
    throw new Error("a receive function did not queue every request");
  }
  progress("cpu: receive functions timed");
  const floorWithoutEvents = (bodies: string[]) =>
    timed(warmUp, invocations, process_(handlers.processor.floorWithoutEvents, "floorProcessor", bodies));
  const processorNew = {
    ours: await timed(warmUp, invocations, process_(handlers.processor.ours, "inboundProcessor", oursNew)),
    floor: await timed(warmUp, invocations, process_(handlers.processor.floor, "floorProcessor", floorNew)),
    floorWithoutEvents: await floorWithoutEvents(floorNew),
  };
  const processorRetry = {
    ours: await timed(warmUp, invocations, process_(handlers.processor.ours, "inboundProcessor", oursRetry)),
    floor: await timed(warmUp, invocations, process_(handlers.processor.floor, "floorProcessor", floorRetry)),
    floorWithoutEvents: await floorWithoutEvents(floorRetry),
  };
  sqs.destroy();
  progress("cpu: processors timed");
  finish("cpu", {
    invocations,
    warmUp,
    receiveNew,
    receiveRetry,
    processorNew,
    processorRetry,
  } satisfies CpuFigures);
} finally {
  child.stdin?.end();
  await new Promise((resolve) => child.once("exit", resolve));
}
