import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { DedupeWindow, InboundMessageRecord } from "../domain/inbound-delivery.ts";
import type { InboundMessagePorts } from "../use-cases/record-inbound-delivery.ts";
import { documentClient, updateItem } from "./dynamodb.ts";

export interface InboundTables {
  inboundMessages: string;
  dedupe: string;
}

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** DynamoDB behind recordInboundDelivery: messages in one table, windows and markers in the expiring dedupe table. */
export function inboundMessageStore(tables: InboundTables): InboundMessagePorts {
  return {
    async findAssignment(deliveryId) {
      const { Item } = await documentClient.send(
        new GetCommand({ TableName: tables.dedupe, Key: { key: `delivery#${deliveryId}` }, ConsistentRead: true }),
      );
      return typeof Item?.messageId === "string"
        ? { messageId: Item.messageId, counted: Item.counted === true }
        : undefined;
    },
    async rememberAssignment(deliveryId, { messageId, counted }, keepUntil) {
      await documentClient.send(
        new PutCommand({
          TableName: tables.dedupe,
          Item: { key: `delivery#${deliveryId}`, messageId, counted, expiresAtEpoch: epochSeconds(keepUntil) },
        }),
      );
    },
    async updateWindow(fingerprint, change, keepUntil) {
      await updateItem<DedupeWindow & { expiresAtEpoch?: number }>(
        tables.dedupe,
        { key: `window#${fingerprint}` },
        (current) => {
          const next = change(current);
          return next && { ...next, expiresAtEpoch: epochSeconds(keepUntil) };
        },
      );
    },
    updateMessage: (messageId, change) =>
      updateItem<InboundMessageRecord>(tables.inboundMessages, { messageId }, change),
  };
}
