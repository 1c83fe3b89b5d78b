/** What Lambda hands a function: SQS records and events as the event source mapping builds them, and the invocation context. */
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";

export interface SqsRecordOptions {
  /** How many times SQS has handed this message out, this time included. */
  receiveCount?: number;
  /** The queue's name, in the record's ARN. */
  queue?: string;
}

/** One SQS record carrying `body`, as Lambda's event source mapping delivers it. */
export function sqsRecord(
  messageId: string,
  body: string,
  { receiveCount = 1, queue = "inbound" }: SqsRecordOptions = {},
): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: "1767258000000",
      SenderId: "AIDAEXAMPLE",
      ApproximateFirstReceiveTimestamp: "1767258000001",
    },
    messageAttributes: {},
    md5OfBody: "0".repeat(32),
    eventSource: "aws:sqs",
    eventSourceARN: `arn:aws:sqs:ap-northeast-2:123456789012:${queue}`,
    awsRegion: "ap-northeast-2",
  };
}

export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** The ids a partial batch response reports as failed, sorted. */
export const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier).sort();

/** A Lambda invocation context, for handlers wrapped in middy (Powertools reads it). */
export function lambdaContext(functionName = "function"): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:ap-northeast-2:123456789012:function:${functionName}`,
    memoryLimitInMB: "256",
    awsRequestId: "aws-request-id",
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "stream",
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
