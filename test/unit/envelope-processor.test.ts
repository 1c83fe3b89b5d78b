import type { SQSEvent, SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import type { CallbackArrival } from "../../functions/domain/delivery-report.ts";
import { type Envelope, serializeEnvelope } from "../../functions/domain/envelope.ts";
import type { InboundArrival } from "../../functions/domain/inbound-message.ts";
import { envelopeProcessor } from "../../functions/shared/envelope-processor.ts";
import { inboundSms } from "../support/envelopes.ts";

// Rejected-request envelopes go to DynamoDB (keepRejectedRequest): covered by the integration tests, not here.
const rejectedRequestsTable = "rejected-requests-unit";

const inboundDelivery: InboundArrival = {
  deliveryId: "in-1",
  receivedAt: "2026-01-01T09:00:00.000Z",
  sms: inboundSms({ sender: "01012345678", recipient: "821098765432", prefix: "TOBE", text: "네" }),
};

const callbackDelivery = (deliveryId: string): CallbackArrival => ({
  deliveryId,
  receivedAt: "2026-01-01T09:05:00.000Z",
  callback: {
    fields: { MsgId: "m-1", Status: "Success", ErrorCode: "200", ErrorMsg: "ok" },
    undecodable: {},
    charset: "utf-8",
    format: "form-urlencoded",
    msgId: "m-1",
    status: "Success",
    errorCode: "200",
    errorMeaning: "Success: delivered",
    outcome: "delivered",
    errorMsg: "ok",
  },
});

const inboundEnvelope: Envelope = { kind: "inbound-sms", version: 1, delivery: inboundDelivery };
const callbackEnvelope = (deliveryId: string): Envelope => ({
  kind: "status-callback",
  version: 1,
  delivery: callbackDelivery(deliveryId),
});

function sqsRecord(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "1767258000000",
      SenderId: "AIDAEXAMPLE",
      ApproximateFirstReceiveTimestamp: "1767258000001",
    },
    messageAttributes: {},
    md5OfBody: "0".repeat(32),
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:ap-northeast-2:123456789012:status",
    awsRegion: "ap-northeast-2",
  };
}

const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier).sort();

describe("envelopeProcessor", () => {
  it("hands each envelope to the handler for its kind", async () => {
    const inbound: InboundArrival[] = [];
    const callbacks: CallbackArrival[] = [];
    const process = envelopeProcessor(rejectedRequestsTable, {
      "inbound-sms": async (envelope) => void inbound.push(envelope.delivery),
      "status-callback": async (envelope) => void callbacks.push(envelope.delivery),
    });

    const response = await process(
      event(
        sqsRecord("m1", serializeEnvelope(callbackEnvelope("cb-1"))),
        sqsRecord("m2", serializeEnvelope(inboundEnvelope)),
        sqsRecord("m3", serializeEnvelope(callbackEnvelope("cb-2"))),
      ),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(inbound).toEqual([inboundDelivery]);
    expect(callbacks.map((delivery) => delivery.deliveryId).sort()).toEqual(["cb-1", "cb-2"]);
    expect(callbacks.find((delivery) => delivery.deliveryId === "cb-1")).toEqual(callbackDelivery("cb-1"));
  });

  it("fails only an envelope whose kind has no handler on this queue", async () => {
    const callbacks: string[] = [];
    const process = envelopeProcessor(rejectedRequestsTable, {
      "status-callback": async (envelope) => void callbacks.push(envelope.delivery.deliveryId),
    });

    const response = await process(
      event(
        sqsRecord("ok-1", serializeEnvelope(callbackEnvelope("cb-1"))),
        sqsRecord("stray", serializeEnvelope(inboundEnvelope)),
        sqsRecord("ok-2", serializeEnvelope(callbackEnvelope("cb-2"))),
      ),
    );

    expect(failedIds(response)).toEqual(["stray"]);
    expect(callbacks.sort()).toEqual(["cb-1", "cb-2"]);
  });

  it("fails a status callback on a queue that handles only inbound SMS", async () => {
    const inbound: string[] = [];
    const process = envelopeProcessor(rejectedRequestsTable, {
      "inbound-sms": async (envelope) => void inbound.push(envelope.delivery.deliveryId),
    });
    const response = await process(
      event(
        sqsRecord("stray", serializeEnvelope(callbackEnvelope("cb-1"))),
        sqsRecord("ok", serializeEnvelope(inboundEnvelope)),
      ),
    );
    expect(failedIds(response)).toEqual(["stray"]);
    expect(inbound).toEqual(["in-1"]);
  });

  it.each([
    ["not JSON", "{not json"],
    ["an empty body", ""],
    ["JSON that is no envelope", JSON.stringify({ hello: "world" })],
    ["an unknown kind", JSON.stringify({ ...callbackEnvelope("x"), kind: "delivery-receipt" })],
    ["a version 2 envelope", JSON.stringify({ ...callbackEnvelope("x"), version: 2 })],
    ["a status callback without its delivery", JSON.stringify({ kind: "status-callback", version: 1 })],
  ])("fails a malformed body (%s) alone", async (_label, body) => {
    const callbacks: string[] = [];
    const process = envelopeProcessor(rejectedRequestsTable, {
      "status-callback": async (envelope) => void callbacks.push(envelope.delivery.deliveryId),
    });

    const response = await process(
      event(
        sqsRecord("ok-1", serializeEnvelope(callbackEnvelope("cb-1"))),
        sqsRecord("bad", body),
        sqsRecord("ok-2", serializeEnvelope(callbackEnvelope("cb-2"))),
      ),
    );

    expect(failedIds(response)).toEqual(["bad"]);
    expect(callbacks.sort()).toEqual(["cb-1", "cb-2"]);
  });

  it("fails the record whose handler throws, and only it", async () => {
    const process = envelopeProcessor(rejectedRequestsTable, {
      "status-callback": async (envelope) => {
        if (envelope.delivery.deliveryId === "cb-2") throw new Error("store unavailable");
      },
    });
    const response = await process(
      event(
        sqsRecord("m1", serializeEnvelope(callbackEnvelope("cb-1"))),
        sqsRecord("m2", serializeEnvelope(callbackEnvelope("cb-2"))),
        sqsRecord("m3", serializeEnvelope(callbackEnvelope("cb-3"))),
      ),
    );
    expect(failedIds(response)).toEqual(["m2"]);
  });

  it("reports every kind of failure in one batch", async () => {
    const process = envelopeProcessor(rejectedRequestsTable, {
      "status-callback": async () => {},
    });
    const response = await process(
      event(
        sqsRecord("malformed", "null"),
        sqsRecord("ok", serializeEnvelope(callbackEnvelope("cb-1"))),
        sqsRecord("stray", serializeEnvelope(inboundEnvelope)),
      ),
    );
    expect(failedIds(response)).toEqual(["malformed", "stray"]);
  });

  it("answers an empty batch with no failures", async () => {
    const process = envelopeProcessor(rejectedRequestsTable, { "status-callback": async () => {} });
    await expect(process(event())).resolves.toEqual({ batchItemFailures: [] });
  });
});
