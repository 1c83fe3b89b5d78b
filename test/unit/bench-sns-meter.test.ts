/** The bench's SNS meter, between an SDK client and fauxqs's SNS: answers pass unchanged, publishes are counted and sized. */
import { CreateTopicCommand, PublishBatchCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localCredentials, localRegion, type RunningService, startSqs } from "../../infra/local/stand-ins.ts";
import { type SnsMeter, snsPayloadBytes, startSnsMeter } from "../bench/meters.ts";

let fauxqs: RunningService;
let meter: SnsMeter;
let client: SNSClient;
let topicArn = "";

beforeAll(async () => {
  fauxqs = await startSqs(undefined);
  meter = await startSnsMeter(Promise.resolve(fauxqs.endpoint));
  client = new SNSClient({ endpoint: meter.endpoint, region: localRegion, credentials: localCredentials });
  topicArn = (await client.send(new CreateTopicCommand({ Name: "bench-meter" }))).TopicArn ?? "";
});

afterAll(async () => {
  client.destroy();
  await meter.close();
  await fauxqs.stop();
});

describe("the SNS meter", () => {
  it("counts no call but a publish", () => {
    expect(topicArn).not.toBe("");
    expect(meter.calls).toEqual([]);
  });

  it("counts a Publish with the bytes SNS bills: the message and its attributes' names, types and values", async () => {
    const answer = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: "가나다 abc",
        MessageAttributes: { type: { DataType: "String", StringValue: "inbound.received" } },
      }),
    );
    expect(answer.MessageId).toBeTruthy();
    const bytes = Buffer.byteLength("가나다 abc") + "type".length + "String".length + "inbound.received".length;
    expect(meter.calls.at(-1)).toEqual({ operation: "Publish", status: 200, messages: 1, bytes, billed: 1 });
  });

  it("bills each 64 KB of a call's payload as one request", async () => {
    await client.send(new PublishCommand({ TopicArn: topicArn, Message: "x".repeat(65_537) }));
    expect(meter.calls.at(-1)).toMatchObject({ messages: 1, bytes: 65_537, billed: 2 });
  });

  it("counts a PublishBatch's entries in one call", async () => {
    await client.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          { Id: "1", Message: "one" },
          { Id: "2", Message: "two" },
          { Id: "3", Message: "three" },
        ],
      }),
    );
    expect(meter.calls.at(-1)).toMatchObject({ operation: "PublishBatch", messages: 3, bytes: 11, billed: 1 });
  });
});

describe("a publish's billed bytes", () => {
  it("reads binary attributes decoded and ignores the other form fields", () => {
    expect(
      snsPayloadBytes({
        Action: "Publish",
        TopicArn: "arn:aws:sns:ap-northeast-2:1:t",
        Message: "hi",
        "MessageAttributes.entry.1.Name": "b",
        "MessageAttributes.entry.1.Value.DataType": "Binary",
        "MessageAttributes.entry.1.Value.BinaryValue": Buffer.from([1, 2, 3]).toString("base64"),
      }),
    ).toBe(2 + 1 + 6 + 3);
  });
});
