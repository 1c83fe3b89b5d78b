import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { InboundMessageRecord } from "../domain/inbound-message.ts";
import type { ArrivalCount, InboundMessagePorts } from "../use-cases/record-inbound-arrival.ts";
import { epochSeconds } from "./arrival-markers.ts";
import { conditionalWrite, documentClient, readItem } from "./dynamodb.ts";

export interface InboundTables {
  inboundMessages: string;
  dedupe: string;
}

/**
 * DynamoDB behind recordInboundArrival: one item per message, counted on by one conditional
 * UpdateItem (no read first, no lock); a fingerprint's later windows as one expiring item in the
 * dedupe table, `windows#<fingerprint>`.
 */
export function inboundMessageStore(tables: InboundTables): InboundMessagePorts {
  return {
    async countArrival(messageId, count) {
      try {
        // The count before, alone (nothing for a new record): cheaper to read back than the whole item.
        const { Attributes } = await documentClient.send(
          new UpdateCommand({
            TableName: tables.inboundMessages,
            Key: { messageId },
            ...countExpression(count),
            ReturnValues: "UPDATED_OLD",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        const before = typeof Attributes?.deliveryCount === "number" ? Attributes.deliveryCount : 0;
        return { counted: true, deliveryCount: before + 1 };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // DynamoDB returns the item that refused the write; a stand-in without that feature is asked.
        const item = error.Item ? unmarshall(error.Item) : await readRecord(tables.inboundMessages, messageId);
        return { counted: false, record: fromItem(item) };
      }
    },
    async readWindows(fingerprint) {
      const { Item } = await documentClient.send(
        new GetCommand({ TableName: tables.dedupe, Key: { key: windowsKey(fingerprint) }, ConsistentRead: true }),
      );
      return { windows: Item?.windows ?? [], version: typeof Item?.version === "number" ? Item.version : 0 };
    },
    async writeWindows(fingerprint, next, expectedVersion, keepUntil) {
      return conditionalWrite(
        new PutCommand({
          TableName: tables.dedupe,
          Item: { key: windowsKey(fingerprint), ...next, expiresAtEpoch: epochSeconds(keepUntil) },
          ConditionExpression: expectedVersion === 0 ? "attribute_not_exists(#key)" : "#version = :expected",
          ExpressionAttributeNames: expectedVersion === 0 ? { "#key": "key" } : { "#version": "version" },
          ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ":expected": expectedVersion } }),
        }),
      );
    },
  };
}

const windowsKey = (fingerprint: string) => `windows#${fingerprint}`;

/**
 * The one write that counts an arrival. The record is made from the arrival when absent
 * (`if_not_exists` keeps a present record's content); the arrival joins the `arrivals` string set
 * and `deliveryCount` goes up by one, both only if the record takes it: inside its window, not
 * listed yet, room left, and the first arrival no later (or, moving it back, later) than this one.
 */
function countExpression({ entry, receivedAt, content, window, movesFirstBack, maxArrivals }: ArrivalCount) {
  const created = { ...content, ...window } as Record<string, unknown>;
  const names: Record<string, string> = {
    "#arrivals": "arrivals",
    "#count": "deliveryCount",
    "#windowFrom": "windowFrom",
    "#windowUntil": "windowUntil",
    "#first": "firstArrivalAt",
  };
  const values: Record<string, unknown> = {
    ":t": receivedAt,
    ":entry": entry,
    ":entries": new Set([entry]),
    ":one": 1,
    ":max": maxArrivals,
  };
  const takes =
    "#windowFrom <= :t AND :t < #windowUntil AND NOT contains(#arrivals, :entry) AND size(#arrivals) < :max";
  const add = "ADD #count :one, #arrivals :entries";
  if (movesFirstBack) {
    return {
      UpdateExpression: `SET #first = :t ${add}`,
      ConditionExpression: `${takes} AND #first > :t`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }
  const sets = Object.keys(created).map((name, index) => {
    names[`#c${index}`] = name;
    values[`:c${index}`] = created[name];
    return `#c${index} = if_not_exists(#c${index}, :c${index})`;
  });
  sets.push("#first = if_not_exists(#first, :t)");
  return {
    UpdateExpression: `SET ${sets.join(", ")} ${add}`,
    ConditionExpression: `attribute_not_exists(#first) OR (${takes} AND #first <= :t)`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

const readRecord = (tableName: string, messageId: string) => readItem(tableName, { messageId });

/** The stored item as the domain reads it: the arrivals set as a sorted list. */
function fromItem(item: Record<string, unknown> | undefined): InboundMessageRecord {
  if (item === undefined) throw new Error("a refused record is always there (records are never deleted)");
  const arrivals = item.arrivals instanceof Set ? [...item.arrivals].map(String).sort() : [];
  return { ...(item as unknown as InboundMessageRecord), arrivals };
}
