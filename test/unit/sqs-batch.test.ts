import type { SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { FullBatchFailureError, processPartialBatch } from "../../functions/shared/sqs-batch.ts";

function sqsRecord(messageId: string, body = `body of ${messageId}`): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "1740823200000",
      SenderId: "AIDAEXAMPLE",
      ApproximateFirstReceiveTimestamp: "1740823200001",
    },
    messageAttributes: {},
    md5OfBody: "0".repeat(32),
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:ap-northeast-2:123456789012:inbound",
    awsRegion: "ap-northeast-2",
  };
}

const records = ["m1", "m2", "m3", "m4"].map((id) => sqsRecord(id));

describe("processPartialBatch", () => {
  it("reports no failures when every record succeeds", async () => {
    const seen: string[] = [];
    const response = await processPartialBatch(records, async (record) => {
      seen.push(record.body);
    });
    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual(["body of m1", "body of m2", "body of m3", "body of m4"]);
  });

  it("reports exactly the failing records and still processes all of them", async () => {
    const processed: string[] = [];
    const response = await processPartialBatch(records, async (record) => {
      processed.push(record.messageId);
      if (record.messageId === "m2") throw new Error("store unavailable");
      if (record.messageId === "m4") throw new TypeError("bad envelope");
    });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }, { itemIdentifier: "m4" }] });
    expect(processed.sort()).toEqual(["m1", "m2", "m3", "m4"]);
  });

  it("reports a record whose processing rejects with a non-Error value", async () => {
    const response = await processPartialBatch([sqsRecord("ok"), sqsRecord("bad")], async (record) => {
      if (record.messageId === "bad") throw "just a string";
    });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "bad" }] });
  });

  it("throws when every record fails, so that the invocation is an error the alarms see", async () => {
    const processed: string[] = [];
    const all = processPartialBatch(records, async (record) => {
      processed.push(record.messageId);
      throw new Error("down");
    });
    await expect(all).rejects.toThrow(FullBatchFailureError);
    await expect(all).rejects.toThrow("all 4 records of the batch failed");
    expect(processed.sort()).toEqual(["m1", "m2", "m3", "m4"]);
  });

  it("throws for a batch of one that fails", async () => {
    await expect(processPartialBatch([sqsRecord("only")], () => Promise.reject("x"))).rejects.toThrow(
      FullBatchFailureError,
    );
  });

  it("answers an empty batch with no failures", async () => {
    await expect(processPartialBatch([], async () => {})).resolves.toEqual({ batchItemFailures: [] });
  });
});
