import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { Suppression } from "../domain/opt-out.ts";
import type { StoredInbound } from "../use-cases/record-opt-request.ts";
import { documentClient, readItem, updateItem } from "./dynamodb.ts";

/** DynamoDB behind opt-out: one item per number (E.164) in the suppressions table. */
export function suppressionStore(tableName: string) {
  return {
    /** One strongly consistent read: an opt-out processed a moment ago already holds. */
    findSuppression: (number: string) => readItem<Suppression>(tableName, { number }),

    /** Optimistic locking on the item's revision (updateItem): concurrent requests of one number all land. */
    async changeSuppression(
      number: string,
      change: (current: Suppression | undefined) => Suppression | undefined,
    ): Promise<void> {
      await updateItem<Suppression>(tableName, { number }, async (current) => change(current));
    },
  };
}

/** The inbound record an opt request reads (strongly consistent: it was stored a moment before). */
export function inboundReader(tableName: string) {
  return async (messageId: string): Promise<StoredInbound | undefined> => {
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: tableName,
        Key: { messageId },
        ConsistentRead: true,
        // Names as placeholders: DynamoDB reserves many words (TEXT among them).
        ProjectionExpression: "#id, #sender, #recipient, #text, #first",
        ExpressionAttributeNames: {
          "#id": "messageId",
          "#sender": "sender",
          "#recipient": "recipient",
          "#text": "text",
          "#first": "firstArrivalAt",
        },
      }),
    );
    return Item as StoredInbound | undefined;
  };
}
