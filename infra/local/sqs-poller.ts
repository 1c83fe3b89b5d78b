/**
 * A local stand-in for a Lambda SQS event source mapping with ReportBatchItemFailures enabled.
 *
 * It polls the queue, hands batches to the handler as real SQSEvents and deletes what the handler
 * reports as done. Retries and dead-lettering are left to the queue, as on AWS: a record that is not
 * deleted reappears after the visibility timeout, and the queue's RedrivePolicy moves it to the
 * dead-letter queue once it has been received maxReceiveCount times.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from "aws-lambda";
import { type InvocationOutcome, invokeWithTimeout } from "./invoke.ts";

// biome-ignore lint/suspicious/noConfusingVoidType: as in aws-lambda's SQSHandler, so handlers ending in a bare `return;` fit
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined | void>;

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  handler: SqsHandler;
  functionName: string;
  timeoutMs: number;
  /** 1 to 10: one ReceiveMessage call's worth. */
  batchSize: number;
  maxBatchingWindowSeconds: number;
  maximumConcurrency: number;
  /** Errors talking to SQS; the poller backs off and carries on. Defaults to logging on stderr. */
  onError?: (error: unknown) => void;
}

export interface RunningPoller {
  stop(): Promise<void>;
  /** resolves when no message is in flight in this poller */
  idle(): Promise<void>;
}

/** Short, so that stop() never waits long on an empty queue. */
const longPollSeconds = 1;
const backoffAfterErrorMs = 500;
/** Pause between the short polls that fill a batch during the batching window. */
const batchingPollIntervalMs = 50;

export function startSqsPoller(options: PollerOptions): RunningPoller {
  const { sqs, queueUrl, batchSize, maximumConcurrency } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
    throw new RangeError(`batchSize must be a whole number from 1 to 10, got ${batchSize}`);
  }
  if (!Number.isInteger(maximumConcurrency) || maximumConcurrency < 1) {
    throw new RangeError(`maximumConcurrency must be a positive whole number, got ${maximumConcurrency}`);
  }
  const onError = options.onError ?? ((error: unknown) => console.error(`[sqs-poller] ${queueUrl}:`, error));
  // A throwing onError must not end the loop: the poller has to keep running until stopped.
  const reportError = (error: unknown) => {
    try {
      onError(error);
    } catch (reportFailure) {
      console.error(`[sqs-poller] ${queueUrl}: onError threw:`, reportFailure, "while reporting:", error);
    }
  };

  const stopping = new AbortController();
  const invocations = new Set<Promise<void>>();
  let messagesInFlight = 0;
  let idleWaiters: Array<() => void> = [];

  function release(count: number): void {
    messagesInFlight -= count;
    if (messagesInFlight > 0) return;
    for (const resolve of idleWaiters) resolve();
    idleWaiters = [];
  }

  async function receive(maxNumberOfMessages: number, waitTimeSeconds: number): Promise<Message[]> {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: maxNumberOfMessages,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    messagesInFlight += Messages.length;
    return Messages;
  }

  /**
   * Long-polls for a first message, then keeps gathering until the batch is full or the window closes.
   * As on AWS, the queue's visibility timeout must outlast window plus function timeout, or a message
   * received early in the window can become visible again and be gathered twice.
   */
  async function gatherBatch(): Promise<Message[]> {
    const batch = await receive(batchSize, longPollSeconds);
    if (batch.length === 0) return batch;
    const windowClosesAt = Date.now() + options.maxBatchingWindowSeconds * 1000;
    while (batch.length < batchSize && Date.now() < windowClosesAt && !stopping.signal.aborted) {
      try {
        batch.push(...(await receive(batchSize - batch.length, 0)));
      } catch (error) {
        // What was gathered is already invisible to others; hand it on rather than strand it.
        reportError(error);
        break;
      }
      if (batch.length < batchSize) await pause(Math.min(batchingPollIntervalMs, windowClosesAt - Date.now()));
    }
    return batch;
  }

  async function pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    await sleep(ms, undefined, { signal: stopping.signal }).catch(() => {});
  }

  async function invoke(messages: Message[]): Promise<void> {
    try {
      const records = messages.map((message) => toRecord(message, options));
      const outcome = await invokeWithTimeout(options.handler, { Records: records }, options);
      const done = recordsToDelete(records, outcome, options.functionName);
      if (done.length > 0) await deleteRecords(done);
    } catch (error) {
      reportError(error);
    } finally {
      release(messages.length);
    }
  }

  async function deleteRecords(records: SQSRecord[]): Promise<void> {
    const { Failed = [] } = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: records.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      }),
    );
    for (const failure of Failed) {
      const record = records[Number(failure.Id)];
      reportError(new Error(`Could not delete message ${record?.messageId}: ${failure.Code} ${failure.Message ?? ""}`));
    }
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      if (invocations.size >= maximumConcurrency) {
        await Promise.race(invocations);
        continue;
      }
      let batch: Message[];
      try {
        batch = await gatherBatch();
      } catch (error) {
        reportError(error);
        await pause(backoffAfterErrorMs);
        continue;
      }
      if (batch.length === 0) continue;
      const invocation = invoke(batch).finally(() => invocations.delete(invocation));
      invocations.add(invocation);
    }
    await Promise.all(invocations);
  })();

  return {
    stop: async () => {
      stopping.abort();
      await loop;
    },
    idle: () =>
      messagesInFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)),
  };
}

/**
 * Which records to delete, as the event source mapping decides with ReportBatchItemFailures:
 * an empty or missing response means all succeeded; an error, a timeout or a response naming a record
 * that is not in the batch (or naming none) fails the whole batch; otherwise all but the named ones.
 */
function recordsToDelete(records: SQSRecord[], outcome: InvocationOutcome<unknown>, functionName: string): SQSRecord[] {
  if (outcome.settled === "failed") {
    console.error(`[${functionName}] invocation failed, the batch will be retried:`, outcome.reason);
    return [];
  }
  const failedIds = reportedFailures(outcome.value, new Set(records.map((record) => record.messageId)));
  if (failedIds === "invalid") {
    console.error(`[${functionName}] invalid batchItemFailures response, the batch will be retried:`, outcome.value);
    return [];
  }
  return records.filter((record) => !failedIds.has(record.messageId));
}

function reportedFailures(response: unknown, messageIds: Set<string>): Set<string> | "invalid" {
  if (response === undefined || response === null) return new Set();
  if (typeof response !== "object") return "invalid";
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return "invalid";
  const failedIds = new Set<string>();
  for (const failure of failures as unknown[]) {
    const itemIdentifier = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof itemIdentifier !== "string" || !messageIds.has(itemIdentifier)) return "invalid";
    failedIds.add(itemIdentifier);
  }
  return failedIds;
}

function toRecord(message: Message, options: PollerOptions): SQSRecord {
  const { MessageId, ReceiptHandle, Attributes = {} } = message;
  if (!MessageId || !ReceiptHandle) throw new Error("SQS returned a message without MessageId or ReceiptHandle");
  return {
    messageId: MessageId,
    receiptHandle: ReceiptHandle,
    body: message.Body ?? "",
    attributes: {
      ...Attributes,
      ApproximateReceiveCount: Attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: Attributes.SentTimestamp ?? "",
      SenderId: Attributes.SenderId ?? "",
      ApproximateFirstReceiveTimestamp: Attributes.ApproximateFirstReceiveTimestamp ?? "",
    },
    messageAttributes: toLambdaMessageAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? "",
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: "aws:sqs",
    eventSourceARN: options.queueArn,
    awsRegion: options.region,
  };
}

/** The SDK's shape to Lambda's: camel-cased, binary as base64, the (unused) list fields always present. */
function toLambdaMessageAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  const converted: SQSMessageAttributes = {};
  for (const [name, attribute] of Object.entries(attributes)) {
    converted[name] = {
      ...(attribute.StringValue !== undefined ? { stringValue: attribute.StringValue } : {}),
      ...(attribute.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(attribute.BinaryValue).toString("base64") }
        : {}),
      stringListValues: attribute.StringListValues ?? [],
      binaryListValues: (attribute.BinaryListValues ?? []).map((value) => Buffer.from(value).toString("base64")),
      dataType: attribute.DataType ?? "String",
    };
  }
  return converted;
}
