import type { RejectedRequest } from "../domain/envelope.ts";
import { putIfAbsent } from "./dynamodb.ts";

/** Keeps a rejected request; a redelivered copy finds it there and changes nothing. */
export async function keepRejectedRequest(tableName: string, rejected: RejectedRequest): Promise<void> {
  await putIfAbsent(tableName, { ...rejected }, "rejectionId");
}
