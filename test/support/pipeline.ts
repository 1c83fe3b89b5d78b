/**
 * Test access to a local stack: the same one `npm start` runs, in memory, on free ports.
 * Requests go over HTTP; records are read back through the DynamoDB API.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, paginateScan } from "@aws-sdk/lib-dynamodb";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll } from "vitest";
import type { SentMessage } from "../../functions/domain/sent-message.ts";
import { type LocalStack, type LocalStackOptions, localStackState, startLocalStack } from "../../infra/local/stack.ts";
import { localCredentials, localRegion } from "../../infra/local/stand-ins.ts";
import { writeLocalState } from "../../infra/local/state.ts";
import type { RunningSimulator } from "../../infra/simulator/simulator.ts";
import { type QueueId, type TableId, urlSecretSettings } from "../../infra/topology.ts";

/** The URL secret of the test stacks; `stack.urls` include it. */
export const testUrlSecret = "test-url-secret-0123456789";

export interface TestPipeline {
  stack: LocalStack;
  post(url: string, body: Buffer | string, headers?: Record<string, string>): Promise<TestResponse>;
  scan(table: TableId): Promise<Record<string, unknown>[]>;
  /** Polls until `read` returns something `done` accepts; fails with the last value seen. */
  eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Puts message bodies straight on a queue (one batch), as SQS itself would deliver them. */
  enqueue(queue: QueueId, bodies: string[]): Promise<void>;
  /** Puts message bodies straight on a queue's dead-letter queue (one batch), as if dead-lettered. */
  enqueueDeadLetters(queue: QueueId, bodies: string[]): Promise<void>;
  /** Messages in a queue, visible or in flight. */
  queueDepth(queue?: QueueId): Promise<number>;
  /** Messages in a queue's dead-letter queue (received, and left there). */
  deadLetters(queue?: QueueId): Promise<string[]>;
  stop(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The <ToBeTextResult> fields, when the answer is one. */
  result: Record<string, string | number> | undefined;
}

const xml = new XMLParser({ parseTagValue: false });

export async function startTestPipeline(options: Partial<LocalStackOptions> = {}): Promise<TestPipeline> {
  const stack = await startLocalStack({
    port: 0,
    ...options,
    settings: { [urlSecretSettings.secrets]: testUrlSecret, ...options.settings },
  });
  const dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: localRegion, credentials: localCredentials }),
  );
  const sqs = new SQSClient({ endpoint: stack.sqsEndpoint, region: localRegion, credentials: localCredentials });
  const sendBatch = async (queueUrl: string, bodies: string[]) => {
    const { Failed } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((body, index) => ({ Id: `m${index}`, MessageBody: body })),
      }),
    );
    if (Failed?.length) throw new Error(`SQS refused ${Failed.length} test messages: ${Failed[0]?.Message}`);
  };
  return {
    stack,
    async post(url, body, headers = {}) {
      const response = await fetch(url, { method: "POST", body: new Uint8Array(Buffer.from(body)), headers });
      const text = await response.text();
      const parsed = text.includes("<ToBeTextResult>") ? xml.parse(text) : undefined;
      return { status: response.status, headers: response.headers, text, result: parsed?.ToBeTextResult };
    },
    async scan(table) {
      const items: Record<string, unknown>[] = [];
      for await (const page of paginateScan(
        { client: dynamo },
        { TableName: stack.tableNames[table], ConsistentRead: true },
      )) {
        items.push(...(page.Items ?? []));
      }
      return items;
    },
    async eventually(read, done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let value = await read();
      while (!done(value)) {
        if (Date.now() > deadline) {
          throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
        value = await read();
      }
      return value;
    },
    async enqueue(queue, bodies) {
      await sendBatch(stack.queueUrls[queue], bodies);
    },
    async enqueueDeadLetters(queue, bodies) {
      await sendBatch(stack.deadLetterQueueUrls[queue], bodies);
    },
    async queueDepth(queue = "inboundSms") {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: stack.queueUrls[queue],
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      return (
        Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
      );
    },
    async deadLetters(queue = "inboundSms") {
      // Every dead letter, not only the first ten: each batch read is hidden until all are read, then shown again.
      const QueueUrl = stack.deadLetterQueueUrls[queue];
      const read = new Map<string, { body: string; receiptHandle: string }>();
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0 }),
        );
        if (Messages.length === 0) break;
        for (const message of Messages) {
          read.set(String(message.MessageId), {
            body: message.Body ?? "",
            receiptHandle: String(message.ReceiptHandle),
          });
        }
      }
      const handles = [...read.values()].map((message) => message.receiptHandle);
      for (let start = 0; start < handles.length; start += 10) {
        await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl,
            Entries: handles
              .slice(start, start + 10)
              .map((ReceiptHandle, index) => ({ Id: String(index), ReceiptHandle, VisibilityTimeout: 0 })),
          }),
        );
      }
      return [...read.values()].map((message) => message.body);
    },
    async stop() {
      dynamo.destroy();
      sqs.destroy();
      await stack.stop();
    },
  };
}

/** A urlencoded form body from raw bytes, the way curl -d and Java's writeBytes send it. */
export const rawForm = (fields: [string, string | Buffer][]): Buffer =>
  Buffer.concat(
    fields.flatMap(([name, value], index) => [
      Buffer.from(`${index === 0 ? "" : "&"}${name}=`),
      typeof value === "string" ? Buffer.from(value, "utf8") : value,
    ]),
  );

/** A multipart/form-data body as PHP's curl sends an array of fields. */
export function multipartForm(fields: [string, string | Buffer][], boundary: string): Buffer {
  const parts = fields.map(([name, value]) =>
    Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
      typeof value === "string" ? Buffer.from(value, "utf8") : value,
      Buffer.from("\r\n"),
    ]),
  );
  return Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]);
}

/** An inbound record's arrivals (a DynamoDB string set), sorted: `<receivedAt> <arrivalId>` each. */
export const listedArrivals = (record: Record<string, unknown> | undefined): string[] =>
  [...((record?.arrivals as Set<string> | undefined) ?? [])].sort();

/**
 * A test stack for sending, with its ToBeText simulator: callbacks within a tenth of a second, each
 * result posted `callbackRepeats` times; the scheduled sweep runs only when a test says so.
 */
export async function startSendingPipeline(
  settings: Record<string, string>,
  callbackRepeats: number,
): Promise<{ pipeline: TestPipeline; simulator: RunningSimulator; sends: SendsView }> {
  const pipeline = await startTestPipeline({
    settings,
    simulator: { callbackDelayMs: { min: 20, max: 120 }, callbackRepeats },
    scheduleIntervalMs: 0,
  });
  const { simulator } = pipeline.stack;
  if (!simulator) throw new Error("the local stack started no simulator");
  const record = async (ckey: string) =>
    (await pipeline.scan("sentMessages")).find((item) => item.ckey === ckey) as SentMessage | undefined;
  const sends: SendsView = {
    record,
    eventually: (ckey, done = (sent) => sent.status !== "sending", timeoutMs = 15_000) =>
      pipeline.eventually(
        () => record(ckey),
        (sent) => sent !== undefined && done(sent),
        timeoutMs,
      ) as Promise<SentMessage>,
    requestsFor: (ckey) => simulator.requests().filter((request) => request.fields.Ckey === ckey),
  };
  return { pipeline, simulator, sends };
}

/** What the sending tests read of a send: its record, and what ToBeText (the simulator) received for it. */
export interface SendsView {
  record(ckey: string): Promise<SentMessage | undefined>;
  /** The record once `done` holds (by default: once it is more than reserved). */
  eventually(ckey: string, done?: (sent: SentMessage) => boolean, timeoutMs?: number): Promise<SentMessage>;
  requestsFor(ckey: string): ReturnType<RunningSimulator["requests"]>;
}

/**
 * The running stack's state, as `npm start` writes it, in a temporary folder of its own: what the
 * tools (`npm run send`, `events`, `records`...) find through TOBETEXT_LOCAL_DIR. `remove` when done.
 */
/**
 * `stackStateDir` for the tests of the file or describe block it is called in: made before them,
 * removed after them. Returns the folder's path (once made).
 */
export function stackStateDirForTests(stack: () => LocalStack, prefix: string): () => string {
  let state: Awaited<ReturnType<typeof stackStateDir>> | undefined;
  beforeAll(async () => {
    state = await stackStateDir(stack(), prefix);
  });
  afterAll(() => state?.remove());
  return () => {
    if (!state) throw new Error("the stack's state folder is made before the tests");
    return state.dir;
  };
}

async function stackStateDir(stack: LocalStack, prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await writeLocalState(localStackState(stack), dir);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
