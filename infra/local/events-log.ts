/**
 * The local events topic and what `npm run events` reads. The functions publish through real SNS
 * (fauxqs's), exactly as on AWS. A subscriber of the local stack's own, an SQS queue subscribed with raw
 * message delivery, takes each event as a downstream system would, and appends it to an events log, one
 * JSON document a line (`.local/events.jsonl` under `npm start`). A file, not the queue, is what the tool
 * reads: reading a queue consumes it, and "every event so far" and `--follow` (tail) are what a file
 * does. Each event is deleted from the queue only once written, so a crash between loses none (it may
 * write one twice: subscribers dedupe by `id`, and so may a reader of this log).
 */
import { appendFile, open, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { CreateTopicCommand, type SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { type TopicId, topics } from "../topology.ts";

const localTopicName = (id: TopicId) => `tobetext-${id}`;
const logQueueName = "tobetext-events-log";

/** Creates the topology's topics (CreateTopic is idempotent: kept ones are found); their ARNs by id. */
export async function createTopics(sns: SNSClient): Promise<Record<TopicId, string>> {
  const arns = {} as Record<TopicId, string>;
  for (const id of Object.keys(topics) as TopicId[]) {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: localTopicName(id) }));
    if (!TopicArn) throw new Error(`topic ${localTopicName(id)} was not created`);
    arns[id] = TopicArn;
  }
  return arns;
}

export interface RunningEventsLog {
  /** Resolves when every event published so far is in the log. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Subscribes the log's queue to the topic (raw delivery: the event's JSON as the body) and keeps writing the log. */
export async function startEventsLog(options: {
  sns: SNSClient;
  sqs: SQSClient;
  topicArn: string;
  path: string;
  onError?: (error: unknown) => void;
}): Promise<RunningEventsLog> {
  const { sns, sqs, path } = options;
  const onError = options.onError ?? ((error: unknown) => console.error("[events-log]", error));
  const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: logQueueName }));
  if (!queueUrl) throw new Error(`queue ${logQueueName} was not created`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: options.topicArn,
      Protocol: "sqs",
      Endpoint: Attributes?.QueueArn,
      Attributes: { RawMessageDelivery: "true" },
    }),
  );
  await appendFile(path, "");

  let stopping = false;
  // A received event stays in the queue (in flight) until written and deleted: `idle` counts it.
  const drainOnce = async (waitSeconds: number): Promise<void> => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }),
    );
    if (Messages.length === 0) return;
    await appendFile(path, Messages.map((message) => `${(message.Body ?? "").trim()}\n`).join(""));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
      }),
    );
  };
  const loop = (async () => {
    while (!stopping) {
      try {
        await drainOnce(1);
      } catch (error) {
        if (stopping) return;
        onError(error);
        await sleep(500);
      }
    }
  })();

  const pending = async () => {
    const { Attributes: counts } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    return Number(counts?.ApproximateNumberOfMessages) + Number(counts?.ApproximateNumberOfMessagesNotVisible);
  };
  return {
    async idle() {
      while ((await pending()) > 0) await sleep(20);
    },
    async stop() {
      stopping = true;
      await loop;
    },
  };
}

/** Every event in the log so far, parsed; lines that are not JSON (a write cut short) are skipped. */
export async function readEventsLog(path: string): Promise<Record<string, unknown>[]> {
  return (await snapshotEventsLog(path)).events;
}

/** The events of the complete lines so far, and the byte offset where the next line will start. */
export async function snapshotEventsLog(path: string): Promise<{ events: Record<string, unknown>[]; offset: number }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { events: [], offset: 0 };
    throw error;
  }
  const offset = bytes.lastIndexOf(0x0a) + 1;
  return { events: parseLines(bytes.subarray(0, offset).toString("utf8").split("\n")), offset };
}

/** Prints each complete line the log gets from `offset` on, until `signal` aborts. */
export async function followEventsLog(
  path: string,
  offset: number,
  onLine: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  let position = offset;
  let partial = "";
  while (!signal.aborted) {
    const file = await open(path, "r");
    try {
      const { size } = await file.stat();
      if (size > position) {
        const buffer = Buffer.alloc(size - position);
        await file.read(buffer, 0, buffer.length, position);
        position = size;
        const lines = (partial + buffer.toString("utf8")).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) if (line.trim() !== "") onLine(line);
      }
    } finally {
      await file.close();
    }
    await sleep(200, undefined, { signal }).catch(() => undefined);
  }
}

function parseLines(lines: string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    if (line.trim() === "") return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
