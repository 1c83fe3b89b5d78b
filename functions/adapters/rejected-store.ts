import type { RejectedRequest } from "../domain/envelope.ts";
import { putIfAbsent } from "./dynamodb.ts";

/** Keeps a rejected request; a redelivered copy finds it there and changes nothing. */
export async function keepRejectedRequest(tableName: string, rejected: RejectedRequest): Promise<void> {
  // Envelopes queued by the first version carried the path, which holds the URL secret: never stored.
  const { path: _secretBearing, ...request } = rejected.request as RejectedRequest["request"] & { path?: string };
  await putIfAbsent(tableName, { ...rejected, request }, "rejectionId");
}
