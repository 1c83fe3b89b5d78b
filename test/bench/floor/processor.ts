/**
 * The processor floor: the least a processor can do and still store each SMS once. It imports the
 * DynamoDB client alone, builds it at module scope, and per record makes one conditional PutItem of
 * the message keyed by its content (the SHA-256 of the body as received: a retry carries the same
 * body), with no index; a failed condition is a duplicate. It logs one JSON line per record, the floor
 * of logging: the message id and the outcome (contract.ts's `floorLogLine`). No metrics.
 */
import { createHash } from "node:crypto";
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { SQSEvent } from "aws-lambda";
import { type FloorEnvelope, floorLogLine, floorTableSetting } from "./contract.ts";

const dynamo = new DynamoDBClient({});
const tableName = process.env[floorTableSetting] ?? "";

export async function handler(event: SQSEvent): Promise<void> {
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
    process.stdout.write(floorLogLine(messageId, outcome));
  }
}
