import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, PutCommand, paginateQuery, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { sentMessageIndexes } from "../contract.ts";
import { awaitingResult, type SentMessage } from "../domain/sent-message.ts";
import type { RecordedOutcome } from "../use-cases/send-message.ts";
import type { AppliedReport, ReportUpdate, SentMessageLookup } from "../use-cases/settle-sent-message.ts";
import { conditionalWrite as conditional, conditionalUpdate, documentClient, readItem } from "./dynamodb.ts";

/** DynamoDB behind sending, joining and the sweep: one item per CKey in the sent-messages table. */
export function sentMessageStore(tableName: string) {
  const findSent = (ckey: string) => readItem<SentMessage>(tableName, { ckey });

  return {
    findSent,

    async findCKeyByMsgId(msgId: string): Promise<string | undefined> {
      for await (const page of paginateQuery(
        { client: documentClient },
        {
          TableName: tableName,
          IndexName: sentMessageIndexes.byMsgId,
          KeyConditionExpression: "msgId = :msgId",
          ExpressionAttributeValues: { ":msgId": msgId },
          Limit: 1,
        },
      )) {
        const [item] = page.Items ?? [];
        if (item) return String(item.ckey);
      }
      return undefined;
    },

    async reserve(record: SentMessage): Promise<SentMessage | undefined> {
      try {
        await documentClient.send(
          new PutCommand({
            TableName: tableName,
            Item: record,
            ConditionExpression: "attribute_not_exists(ckey)",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return undefined;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // DynamoDB returns the item that refused the write; a stand-in without that feature is asked.
        const existing = error.Item ? (unmarshall(error.Item) as SentMessage) : await findSent(record.ckey);
        if (!existing) throw new Error(`the record of CKey ${record.ckey} refused a write and then was gone`);
        return existing;
      }
    },

    /** The record as the outcome leaves it, or undefined when this attempt's reservation is gone or answered. */
    async recordOutcome(ckey: string, attempt: string, outcome: RecordedOutcome): Promise<SentMessage | undefined> {
      const values: Record<string, unknown> = {
        ":outcome": outcome.sendOutcome,
        ":answeredAt": outcome.answeredAt,
        ":attempt": attempt,
        ":sending": "sending",
      };
      const sets = ["sendOutcome = :outcome", "#status = if_not_exists(#result, :outcome)", "answeredAt = :answeredAt"];
      const optional = {
        msgId: outcome.msgId,
        errorCode: outcome.errorCode,
        reason: outcome.reason,
        answer: outcome.answer,
      };
      for (const [name, value] of Object.entries(optional)) {
        if (value === undefined) continue;
        values[`:${name}`] = value;
        sets.push(name === "msgId" ? "msgId = if_not_exists(msgId, :msgId)" : `${name} = :${name}`);
      }
      if (outcome.sendOutcome === "refused") {
        values[":toBeText"] = "ToBeText";
        sets.push("refusedBy = :toBeText");
      }
      // A refusal is final: nothing more is awaited.
      const removes = outcome.sendOutcome === "refused" ? " REMOVE awaiting, resultDueAt" : "";
      // Its status as written: the outcome, or the result of a callback that came first.
      return conditionalUpdate<SentMessage>(
        new UpdateCommand({
          TableName: tableName,
          Key: { ckey },
          UpdateExpression: `SET ${sets.join(", ")}${removes}`,
          ConditionExpression: "attempt = :attempt AND sendOutcome = :sending",
          ExpressionAttributeNames: { "#status": "status", "#result": "result" },
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
    },

    async release(ckey: string, attempt: string): Promise<void> {
      await conditional(
        new DeleteCommand({
          TableName: tableName,
          Key: { ckey },
          ConditionExpression: "attempt = :attempt AND sendOutcome = :sending",
          ExpressionAttributeValues: { ":attempt": attempt, ":sending": "sending" },
        }),
      );
    },

    async applyReport(ckey: string, update: ReportUpdate): Promise<AppliedReport> {
      const link = linkExpression(update);
      if (update.result !== undefined) {
        const settled = await conditionalUpdate<SentMessage>(
          new UpdateCommand({
            TableName: tableName,
            Key: { ckey },
            UpdateExpression: `SET ${[...link.sets, "#result = :result", "#status = :result", "resultCode = :code", "resultMeaning = :meaning", "resultAt = :at"].join(", ")} REMOVE awaiting, resultDueAt`,
            // Never regress: a final result replaces none but `expired`.
            ConditionExpression: "attribute_exists(#ckey) AND (attribute_not_exists(#result) OR #result = :expired)",
            ExpressionAttributeNames: { ...link.names, "#result": "result", "#status": "status" },
            ExpressionAttributeValues: {
              ...link.values,
              ":result": update.result,
              ":code": update.resultCode ?? "",
              ":meaning": update.resultMeaning ?? "",
              ":at": update.resultAt ?? new Date().toISOString(),
              ":expired": "expired",
            },
            ReturnValues: "ALL_NEW",
          }),
        );
        if (settled) return { applied: "result", record: settled };
      }
      // Not final, or final already (another result came first): its links only.
      const linked = await conditional(
        new UpdateCommand({
          TableName: tableName,
          Key: { ckey },
          UpdateExpression: `SET ${link.sets.join(", ")}`,
          ConditionExpression: "attribute_exists(#ckey)",
          ExpressionAttributeNames: link.names,
          ExpressionAttributeValues: link.values,
        }),
      );
      return { applied: linked ? "linked" : "missing" };
    },

    /** Marks a message still awaiting its result `expired`; false when it is not awaiting any more. */
    expire(ckey: string, at: Date): Promise<boolean> {
      return conditional(
        new UpdateCommand({
          TableName: tableName,
          Key: { ckey },
          UpdateExpression: "SET #result = :expired, #status = :expired, resultAt = :at REMOVE awaiting, resultDueAt",
          ConditionExpression: "awaiting = :awaiting AND attribute_not_exists(#result)",
          ExpressionAttributeNames: { "#result": "result", "#status": "status" },
          ExpressionAttributeValues: { ":expired": "expired", ":at": at.toISOString(), ":awaiting": awaitingResult },
        }),
      );
    },

    /** CKeys of the messages whose result was due by `now`, through the sparse index, oldest first. */
    async *overdue(now: Date): AsyncGenerator<string> {
      for await (const page of paginateQuery(
        { client: documentClient },
        {
          TableName: tableName,
          IndexName: sentMessageIndexes.awaiting,
          KeyConditionExpression: "awaiting = :awaiting AND resultDueAt <= :now",
          ExpressionAttributeValues: { ":awaiting": awaitingResult, ":now": now.toISOString() },
        },
      )) {
        for (const item of page.Items ?? []) yield String(item.ckey);
      }
    },
  } satisfies SentMessageLookup & Record<string, unknown>;
}

/** The delivery record's id, its MsgId (if the record has none yet) and the latest reported status. */
function linkExpression(update: ReportUpdate) {
  const values: Record<string, unknown> = { ":reportId": update.deliveryReportId, ":reported": update.reportedStatus };
  const sets = ["deliveryReportId = :reportId", "reportedStatus = :reported"];
  if (update.msgId !== undefined) {
    values[":msgId"] = update.msgId;
    sets.push("msgId = if_not_exists(msgId, :msgId)");
  }
  return { sets, values, names: { "#ckey": "ckey" } as Record<string, string> };
}
