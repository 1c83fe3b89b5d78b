import type { DedupeWindow, InboundMessageRecord } from "../domain/inbound-message.ts";
import type { InboundMessagePorts } from "../use-cases/record-inbound-arrival.ts";
import { arrivalMarkers, epochSeconds } from "./arrival-markers.ts";
import { updateItem } from "./dynamodb.ts";

export interface InboundTables {
  inboundMessages: string;
  dedupe: string;
}

/** DynamoDB behind recordInboundArrival: messages in one table, windows and markers in the expiring dedupe table. */
export function inboundMessageStore(tables: InboundTables): InboundMessagePorts {
  return {
    ...arrivalMarkers(tables.dedupe),
    async updateWindows(fingerprint, change, keepUntil) {
      await updateItem<WindowItem>(tables.dedupe, { key: `window#${fingerprint}` }, (current) => {
        const next = change(windowsOf(current));
        return next && { windows: next, expiresAtEpoch: epochSeconds(keepUntil(next)) };
      });
    },
    updateMessage: (messageId, change) =>
      updateItem<InboundMessageRecord>(tables.inboundMessages, { messageId }, change),
  };
}

/** A fingerprint's windows; items written before windows were listed held a single window at top level. */
type WindowItem = { windows: DedupeWindow[]; expiresAtEpoch: number } | (DedupeWindow & { windows?: undefined });

function windowsOf(item: WindowItem | undefined): DedupeWindow[] {
  if (item === undefined) return [];
  if (item.windows) return item.windows;
  const { messageId, firstArrivalAt, windowEndsAt } = item;
  return [{ messageId, firstArrivalAt, windowEndsAt }];
}
