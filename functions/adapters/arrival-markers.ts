import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ArrivalMarkers } from "../use-cases/arrival-markers.ts";
import { documentClient } from "./dynamodb.ts";

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** Markers as `delivery#<arrival id>` items (the stored name) in the dedupe table, expiring by TTL. */
export function arrivalMarkers(dedupeTable: string): ArrivalMarkers {
  return {
    async findAssignment(arrivalId) {
      const { Item } = await documentClient.send(
        new GetCommand({ TableName: dedupeTable, Key: { key: `delivery#${arrivalId}` }, ConsistentRead: true }),
      );
      return typeof Item?.recordId === "string"
        ? { recordId: Item.recordId, counted: Item.counted === true }
        : undefined;
    },
    async rememberAssignment(arrivalId, { recordId, counted }, keepUntil) {
      await documentClient.send(
        new PutCommand({
          TableName: dedupeTable,
          Item: { key: `delivery#${arrivalId}`, recordId, counted, expiresAtEpoch: epochSeconds(keepUntil) },
        }),
      );
    },
  };
}
