import type { DeliveryReport } from "../domain/delivery-report.ts";
import { deliveryRecordIdOf } from "../domain/status-callback.ts";
import type { DeliveryReportPorts, StoredDeliveryReport } from "../use-cases/record-status-callback.ts";
import { arrivalMarkers } from "./arrival-markers.ts";
import { readItem, updateItem } from "./dynamodb.ts";

export interface DeliveryReportTables {
  deliveryReports: string;
  dedupe: string;
}

/** DynamoDB behind recordStatusCallback: one item per sent message, markers in the dedupe table. */
export function deliveryReportStore(tables: DeliveryReportTables): DeliveryReportPorts {
  return {
    ...arrivalMarkers(tables.dedupe),
    updateReport: (recordId, change) => updateItem<StoredDeliveryReport>(tables.deliveryReports, { recordId }, change),
  };
}

/** The delivery records as a sent message's side of the join sees them. */
export function deliveryReportLinks(tableName: string) {
  const read = (recordId: string) => readItem<DeliveryReport>(tableName, { recordId });
  return {
    findReportByMsgId: (msgId: string) => read(deliveryRecordIdOf({ msgId, cKey: undefined })),
    /** The record of a message's callbacks: keyed by its MsgId, or by its CKey when they carried none. */
    async findReport({ msgId, ckey }: { msgId?: string | undefined; ckey: string }) {
      return (
        (msgId === undefined ? undefined : await read(deliveryRecordIdOf({ msgId, cKey: undefined }))) ??
        (await read(deliveryRecordIdOf({ msgId: undefined, cKey: ckey })))
      );
    },
    /** Under the record's optimistic lock, as a callback's write is, so that neither loses the other. */
    async markReportJoined(recordId: string, ckey: string): Promise<void> {
      await updateItem<StoredDeliveryReport>(tableName, { recordId }, async (current) => {
        if (current === undefined || current.sentCKey === ckey) return undefined;
        const { orphan: _orphan, ...rest } = current;
        return { ...rest, sentCKey: ckey };
      });
    },
  };
}
