/**
 * The receive floor: the least a receive function can do and still be one. It imports the SQS client
 * alone, builds it at module scope, and per request queues the body as received (with an id and the
 * arrival time) in one SendMessage, then answers ToBeText's `<ToBeTextResult>`. No decoding, no
 * validation, no URL secret, no logs or metrics: what the bench sets ours beside (cold start, CPU).
 */
import { randomUUID } from "node:crypto";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { type FloorEnvelope, floorQueueSetting } from "./contract.ts";

const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const queueUrl = process.env[floorQueueSetting] ?? "";

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const arrivalId = randomUUID().replaceAll("-", "");
  const envelope: FloorEnvelope = {
    arrivalId,
    receivedAt: new Date(event.requestContext.timeEpoch).toISOString(),
    body: event.body ?? "",
    isBase64Encoded: event.isBase64Encoded,
  };
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(envelope) }));
  return {
    statusCode: 200,
    headers: { "content-type": "application/xml; charset=utf-8" },
    body: `<?xml version="1.0" encoding="UTF-8"?><ToBeTextResult><Status>Success</Status><MsgId>${arrivalId}</MsgId><ErrorCode>200</ErrorCode></ToBeTextResult>`,
  };
}
