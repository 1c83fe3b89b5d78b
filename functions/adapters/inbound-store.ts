import type { DedupeWindow, InboundMessageRecord } from "../domain/inbound-delivery.ts";
import type { InboundMessagePorts } from "../use-cases/record-inbound-delivery.ts";
import { deliveryMarkers, epochSeconds } from "./delivery-markers.ts";
import { updateItem } from "./dynamodb.ts";

export interface InboundTables {
  inboundMessages: string;
  dedupe: string;
}

/** DynamoDB behind recordInboundDelivery: messages in one table, windows and markers in the expiring dedupe table. */
export function inboundMessageStore(tables: InboundTables): InboundMessagePorts {
  return {
    ...deliveryMarkers(tables.dedupe),
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
