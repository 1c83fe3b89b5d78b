import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { DeliveryMarkers } from "../use-cases/delivery-markers.ts";
import { documentClient } from "./dynamodb.ts";

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** Markers as `delivery#<id>` items in the dedupe table, expiring by TTL. */
export function deliveryMarkers(dedupeTable: string): DeliveryMarkers {
  return {
    async findAssignment(deliveryId) {
      const { Item } = await documentClient.send(
        new GetCommand({ TableName: dedupeTable, Key: { key: `delivery#${deliveryId}` }, ConsistentRead: true }),
      );
      return typeof Item?.recordId === "string"
        ? { recordId: Item.recordId, counted: Item.counted === true }
        : undefined;
    },
    async rememberAssignment(deliveryId, { recordId, counted }, keepUntil) {
      await documentClient.send(
        new PutCommand({
          TableName: dedupeTable,
          Item: { key: `delivery#${deliveryId}`, recordId, counted, expiresAtEpoch: epochSeconds(keepUntil) },
        }),
      );
    },
  };
}
