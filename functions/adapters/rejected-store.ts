import { UpdateCommand, type UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import type { RejectedRequest } from "../domain/envelope.ts";
import type { ReplayOutcome } from "../domain/rejection-replay.ts";
import { conditionalWrite, putIfAbsent } from "./dynamodb.ts";

/** Keeps a rejected request; a redelivered copy finds it there and changes nothing. */
export async function keepRejectedRequest(tableName: string, rejected: RejectedRequest): Promise<void> {
  await putIfAbsent(tableName, { ...rejected }, "rejectionId");
}

/**
 * The write that marks a rejection with what its replay came to (`replay`), and, when a replay starts,
 * when (`replayedAt`). The request and its first reason stay as they were. Only on a rejection that is
 * there: a mark never makes an item of its own. Shared by the processor and `npm run replay`.
 */
export function replayMark(
  tableName: string,
  rejectionId: string,
  replay: ReplayOutcome,
  replayedAt?: string,
): UpdateCommandInput {
  return {
    TableName: tableName,
    Key: { rejectionId },
    UpdateExpression: `SET #replay = :replay${replayedAt === undefined ? "" : ", #replayedAt = :replayedAt"}`,
    ConditionExpression: "attribute_exists(#id)",
    ExpressionAttributeNames: {
      "#replay": "replay",
      "#id": "rejectionId",
      ...(replayedAt === undefined ? {} : { "#replayedAt": "replayedAt" }),
    },
    ExpressionAttributeValues: {
      ":replay": replay,
      ...(replayedAt === undefined ? {} : { ":replayedAt": replayedAt }),
    },
  };
}

/** Marks a replayed rejection (see replayMark); false when there is no such rejection. */
export async function markReplay(tableName: string, rejectionId: string, replay: ReplayOutcome): Promise<boolean> {
  return conditionalWrite(new UpdateCommand(replayMark(tableName, rejectionId, replay)));
}
