import type { DeliveryReportPorts, StoredDeliveryReport } from "../use-cases/record-status-callback.ts";
import { arrivalMarkers } from "./arrival-markers.ts";
import { updateItem } from "./dynamodb.ts";

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
