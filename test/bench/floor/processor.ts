/**
 * The processor floor: the least a processor can do and still store each SMS once and announce it.
 * It imports the DynamoDB and SNS clients alone, builds them at module scope, and per record makes
 * one conditional PutItem of the message keyed by its content (the SHA-256 of the body as received:
 * a retry carries the same body), with no index; a failed condition is a duplicate. A message it
 * stored it announces with one Publish of its id to the floor's topic, when one is set
 * (contract.ts's `floorTopicSetting`): the least the events feature costs. It logs one JSON line per
 * record, the floor of logging: the message id and the outcome (contract.ts's `floorLogLine`). No
 * metrics.
 */
import { createHash } from "node:crypto";
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { SQSEvent } from "aws-lambda";
import { type FloorEnvelope, floorLogLine, floorTableSetting, floorTopicSetting } from "./contract.ts";

const dynamo = new DynamoDBClient({});
const sns = new SNSClient({});

/** The floor's handler: stores in `tableName`, announces what it stored on `topicArn` (none: it announces nothing). */
export function floorProcessor({ tableName, topicArn }: { tableName: string; topicArn: string | undefined }) {
  return async (event: SQSEvent): Promise<void> => {
    for (const record of event.Records) {
      const envelope = JSON.parse(record.body) as FloorEnvelope;
      const messageId = createHash("sha256").update(envelope.body).digest("hex").slice(0, 32);
      let outcome: "stored" | "duplicate" = "stored";
      try {
        await dynamo.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              messageId: { S: messageId },
              body: { S: envelope.body },
              isBase64Encoded: { BOOL: envelope.isBase64Encoded },
              firstArrivalAt: { S: envelope.receivedAt },
              arrivalId: { S: envelope.arrivalId },
            },
            ConditionExpression: "attribute_not_exists(messageId)",
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        outcome = "duplicate";
      }
      if (outcome === "stored" && topicArn) {
        await sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify({ messageId }) }));
      }
      process.stdout.write(floorLogLine(messageId, outcome));
    }
  };
}

export const handler = floorProcessor({
  tableName: process.env[floorTableSetting] ?? "",
  topicArn: process.env[floorTopicSetting] || undefined,
});
