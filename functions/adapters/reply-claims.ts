import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ReplyClaim } from "../use-cases/follow-new-sms.ts";
import { epochSeconds } from "./arrival-markers.ts";
import { conditionalWrite } from "./dynamodb.ts";

/**
 * A sender's auto-reply for a prefix as one item in the dedupe table, `reply#<sender>#<prefix>`: the
 * message that last took it and when. One conditional put takes it: when none is there, when the last
 * one is a period old, or when it is this message's own (a redelivery). Expires by TTL a day after it
 * stops mattering (TTL deletes late; the condition, not the item's absence, is what counts).
 */
export function replyClaims(dedupeTable: string) {
  return async (claim: ReplyClaim): Promise<boolean> => {
    const periodStart = new Date(claim.at.getTime() - claim.periodMs).toISOString();
    return conditionalWrite(
      new PutCommand({
        TableName: dedupeTable,
        Item: {
          key: `reply#${claim.sender}#${claim.prefix}`,
          messageId: claim.messageId,
          repliedAt: claim.at.toISOString(),
          expiresAtEpoch: epochSeconds(new Date(claim.at.getTime() + claim.periodMs + 86_400_000)),
        },
        ConditionExpression: "attribute_not_exists(#key) OR repliedAt <= :periodStart OR messageId = :messageId",
        ExpressionAttributeNames: { "#key": "key" },
        ExpressionAttributeValues: { ":periodStart": periodStart, ":messageId": claim.messageId },
      }),
    );
  };
}
