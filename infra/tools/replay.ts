/**
 * `npm run replay`: runs kept rejections again through today's rules, once the configuration that
 * refused them is fixed (README "Replaying rejected requests").
 *
 *   npm run replay -- --rejected --id ID [--id ID ...]   the rejections answered with these MsgIds
 *   npm run replay -- --rejected --since TIME             every inbound SMS refused by a setting since TIME
 *                                                         (ISO 8601, or 30m, 12h, 7d ago)
 *   ... --outputs cdk-outputs.json                        a deployed stack (AWS credentials from the environment)
 *   ... --wait-seconds N                                  how long to wait for the processor (default 30)
 *
 * Prints one JSON line per rejection: `stored` (the record's messageId and deliveryCount), `rejected`
 * (today's errorCode and reason) or `queued` (not stored within the wait). Exit 0 when every one was
 * stored, 1 when any is still rejected, 3 when any was not stored in time, 2 for a mistake in the call.
 *
 * Where the decision runs: here, with the receive function's own code (functions/http/replay.ts) and the
 * stack's own settings: the running `npm start`'s (its state file), or those the deploy gave the functions
 * (output AcceptanceSettings, written by the same deploy). A processor runs neither the decoding nor the
 * phone-number code (kept out of its bundle and its cold start), and no function sends to another's queue;
 * what is accepted is queued on the route's queue, so the processor stores it as it stores any arrival.
 */
import { parseArgs } from "node:util";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { type DynamoDBDocumentClient, GetCommand, paginateQuery, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { replayMark } from "../../functions/adapters/rejected-store.ts";
import { readReceiverSettings } from "../../functions/config/receiver.ts";
import type { RejectedRequest } from "../../functions/domain/envelope.ts";
import type { InboundRules } from "../../functions/domain/inbound-sms.ts";
import { isConfigurationRejection, type ReplayOutcome } from "../../functions/domain/rejection-replay.ts";
import { reacceptRejected, replayableRoute } from "../../functions/http/replay.ts";
import { type LocalStackState, readLocalState, stateDocumentClient, stateSqsClient } from "../local/state.ts";
import { outputKeys } from "../outputs.ts";
import { routes, tables } from "../topology.ts";
import { getItemsInOrder } from "./batch-get.ts";
import { deployedClients, readStackOutputs } from "./stack-outputs.ts";

const usage =
  "usage: npm run replay -- --rejected (--id ID [--id ID ...] | --since TIME) [--outputs cdk-outputs.json] [--wait-seconds N]\n" +
  "       TIME: ISO 8601 (2026-12-04T09:00:00Z), or how long ago (30m, 12h, 7d)";

/** A mistake in how the tool was called, or in what it was given to read: said in one line, exit 2. */
export class ReplayInputError extends Error {
  override name = "ReplayInputError";
}

export type Selection = { ids: string[] } | { since: string };

export interface ReplayOptions {
  selection: Selection;
  outputs: string | undefined;
  waitMs: number;
}

export function parseReplayArguments(args: string[], now = new Date()): ReplayOptions | "help" {
  let values: {
    rejected: boolean;
    id?: string[];
    since?: string;
    outputs?: string;
    "wait-seconds": string;
    help: boolean;
  };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        rejected: { type: "boolean", default: false },
        id: { type: "string", multiple: true },
        since: { type: "string" },
        outputs: { type: "string" },
        "wait-seconds": { type: "string", default: "30" },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    throw new ReplayInputError((error as Error).message);
  }
  if (values.help) return "help";
  // Rejected requests are the one kind replayed today; the flag keeps room for others and says what runs.
  if (!values.rejected) throw new ReplayInputError("say what to replay: --rejected");
  if ((values.id === undefined) === (values.since === undefined)) {
    throw new ReplayInputError("name the rejections: --id ID (the MsgId answered), or --since TIME; one of the two");
  }
  const waitSeconds = Number(values["wait-seconds"]);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
    throw new ReplayInputError(`--wait-seconds must be a number of seconds, not "${values["wait-seconds"]}"`);
  }
  return {
    selection: values.id ? { ids: values.id } : { since: parseSince(values.since as string, now) },
    outputs: values.outputs,
    waitMs: waitSeconds * 1000,
  };
}

const units = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `--since`: an ISO 8601 time, or how long ago (`30m`, `12h`, `7d`); as an ISO time, as rejections hold it. */
export function parseSince(text: string, now = new Date()): string {
  const ago = /^(\d+)([mhd])$/.exec(text.trim());
  if (ago) return new Date(now.getTime() - Number(ago[1]) * units[ago[2] as keyof typeof units]).toISOString();
  // A date alone, or a time with its zone: anything else reads as local time, which a shell user rarely means.
  if (!/^\d{4}-\d{2}-\d{2}(T.*(Z|[+-]\d{2}:?\d{2}))?$/.test(text.trim()) || Number.isNaN(Date.parse(text))) {
    throw new ReplayInputError(
      `--since must be an ISO 8601 time with its zone (2026-12-04T09:00:00Z), a date, or 30m, 12h, 7d; not "${text}"`,
    );
  }
  return new Date(Date.parse(text)).toISOString();
}

/** Where the rejections are kept, where accepted ones are queued, and the settings acceptance runs with. */
export interface ReplayTarget {
  dynamo: DynamoDBDocumentClient;
  sqs: SQSClient;
  tableName: string;
  queueUrl: string;
  rules: InboundRules;
  close(): void;
}

/** The running `npm start`: its tables and queue, and the settings its functions started with. */
export function localReplayTarget(state: LocalStackState): ReplayTarget {
  const tableName = state.tableNames.rejectedRequests;
  const queueUrl = state.queueUrls[routes[replayableRoute].queue];
  if (!state.settings || !tableName || !queueUrl) {
    throw new ReplayInputError("the running npm start is of an earlier version: restart it, then replay");
  }
  const dynamo = stateDocumentClient(state);
  const sqs = stateSqsClient(state);
  return {
    dynamo,
    sqs,
    tableName,
    queueUrl,
    rules: readReceiverSettings(state.settings),
    close: () => {
      dynamo.destroy();
      sqs.destroy();
    },
  };
}

/** A deployed stack, from its outputs: the settings are those the same deploy gave its functions. */
export async function deployedReplayTarget(file: string): Promise<ReplayTarget> {
  const fail = (message: string): never => {
    throw new ReplayInputError(message);
  };
  const stack = await readStackOutputs(file, fail);
  const queueUrl = stack.output(outputKeys.queueUrl(routes[replayableRoute].queue));
  const tableName = stack.output(outputKeys.tableName("rejectedRequests"));
  const rules = readReceiverSettings(acceptanceSettings(stack.output(outputKeys.acceptanceSettings), file));
  // The queue's URL names its region, so AWS_REGION need not.
  const region = /^https:\/\/sqs\.([^.]+)\./.exec(queueUrl)?.[1];
  const { dynamo, sqs } = await deployedClients("npm run replay --outputs", fail, region);
  return {
    dynamo,
    sqs,
    tableName,
    queueUrl,
    rules,
    close: () => {
      dynamo.destroy();
      sqs.destroy();
    },
  };
}

function acceptanceSettings(json: string, file: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed === "object" && parsed !== null) return parsed as Record<string, string>;
  } catch {}
  throw new ReplayInputError(`${file}: ${outputKeys.acceptanceSettings} is not a JSON object: ${json}`);
}

/** A rejection as kept, with what its latest replay came to. */
export type KeptRejection = RejectedRequest & { replay?: ReplayOutcome; replayedAt?: string };

/**
 * The rejections selected, oldest first: by id (each must be an inbound SMS's), or every inbound SMS
 * refused by a setting since a time, by the `route-receivedAt-keys` index (a Query, never a scan).
 */
export async function findRejections(target: ReplayTarget, selection: Selection): Promise<KeptRejection[]> {
  if ("ids" in selection) {
    const found: KeptRejection[] = [];
    for (const rejectionId of selection.ids) {
      const item = await readRejection(target, rejectionId);
      if (!item) throw new ReplayInputError(`no rejection ${rejectionId} in ${target.tableName}`);
      if (item.route !== replayableRoute) {
        throw new ReplayInputError(
          `rejection ${rejectionId} is a ${item.route} request: only inbound SMS are replayed (their acceptance is what settings decide)`,
        );
      }
      found.push(item);
    }
    return found;
  }
  const index = tables.rejectedRequests.indexes.find((candidate) => candidate.partitionKey === "route");
  if (!index) throw new Error("the topology has no index of rejectedRequests on route");
  const keys: Record<string, unknown>[] = [];
  for await (const page of paginateQuery(
    { client: target.dynamo },
    {
      TableName: target.tableName,
      IndexName: index.name,
      KeyConditionExpression: "#route = :route AND #receivedAt >= :since",
      ExpressionAttributeNames: { "#route": "route", "#receivedAt": "receivedAt" },
      ExpressionAttributeValues: { ":route": replayableRoute, ":since": selection.since },
    },
  )) {
    keys.push(...(page.Items ?? []));
  }
  const items = await getItemsInOrder(target.dynamo, target.tableName, ["rejectionId"], keys);
  return (items as KeptRejection[]).filter(isConfigurationRejection);
}

async function readRejection(target: ReplayTarget, rejectionId: string): Promise<KeptRejection | undefined> {
  const { Item } = await target.dynamo.send(
    new GetCommand({ TableName: target.tableName, Key: { rejectionId }, ConsistentRead: true }),
  );
  return Item as KeptRejection | undefined;
}

/** What became of one replayed rejection, as printed. */
export type ReplayLine = { rejectionId: string; receivedAt: string } & (
  | { outcome: "stored"; messageId: string; deliveryCount: number }
  | { outcome: "rejected"; httpStatus: number; errorCode: number; reason: string }
  | { outcome: "queued"; reason: string }
);

/**
 * Runs each rejection through today's acceptance and marks it: still rejected, with today's reason; or
 * queued, as the arrival it was (the rejection's id and original time), before it goes on the queue, so
 * the processor's mark (stored, with the record) always comes after. Then waits for those marks.
 */
export async function replayRejections(
  target: ReplayTarget,
  rejections: readonly KeptRejection[],
  waitMs: number,
): Promise<ReplayLine[]> {
  const lines = new Map<string, ReplayLine>();
  const queued = new Set<string>();
  for (const rejection of rejections) {
    const { rejectionId, receivedAt } = rejection;
    const decision = await reacceptRejected(rejection, target.rules);
    const replayedAt = new Date().toISOString();
    if (!decision.accepted) {
      const { httpStatus, errorCode, reason } = decision;
      await mark(
        target,
        rejectionId,
        { outcome: "rejected", at: replayedAt, httpStatus, errorCode, reason },
        replayedAt,
      );
      lines.set(rejectionId, { rejectionId, receivedAt, outcome: "rejected", httpStatus, errorCode, reason });
      continue;
    }
    await mark(target, rejectionId, { outcome: "queued", at: replayedAt }, replayedAt);
    await target.sqs.send(new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: decision.messageBody }));
    queued.add(rejectionId);
    lines.set(rejectionId, {
      rejectionId,
      receivedAt,
      outcome: "queued",
      reason: "not stored yet: see npm run records -- --rejected",
    });
  }
  const deadline = Date.now() + waitMs;
  while (queued.size > 0) {
    for (const rejectionId of queued) {
      // "queued" was written before the message was sent, so "stored" now is the processor's, after it: no
      // clocks compared (the processor's is Lambda's, not this machine's).
      const replay = (await readRejection(target, rejectionId))?.replay;
      if (replay?.outcome !== "stored") continue;
      const { receivedAt } = lines.get(rejectionId) as ReplayLine;
      const { messageId, deliveryCount } = replay;
      lines.set(rejectionId, { rejectionId, receivedAt, outcome: "stored", messageId, deliveryCount });
      queued.delete(rejectionId);
    }
    if (queued.size === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return rejections.map((rejection) => lines.get(rejection.rejectionId) as ReplayLine);
}

async function mark(target: ReplayTarget, rejectionId: string, replay: ReplayOutcome, replayedAt: string) {
  await target.dynamo.send(new UpdateCommand(replayMark(target.tableName, rejectionId, replay, replayedAt)));
}

/** 0 when every one was stored, 1 when any is still rejected, 3 when any was not stored in time. */
export function exitCodeOf(lines: readonly ReplayLine[]): number {
  if (lines.some((line) => line.outcome === "rejected")) return 1;
  return lines.some((line) => line.outcome === "queued") ? 3 : 0;
}

async function main(): Promise<number> {
  const options = parseReplayArguments(process.argv.slice(2));
  if (options === "help") {
    console.log(usage);
    return 0;
  }
  let target: ReplayTarget;
  if (options.outputs !== undefined) {
    target = await deployedReplayTarget(options.outputs);
  } else {
    const state = await readLocalState();
    if (!state) {
      throw new ReplayInputError(
        "no local stack is running: start one with npm start (or name a deployed one with --outputs FILE)",
      );
    }
    target = localReplayTarget(state);
  }
  try {
    const rejections = await findRejections(target, options.selection);
    if (rejections.length === 0) {
      console.error(
        `npm run replay: no inbound SMS refused by a setting since ${"since" in options.selection ? options.selection.since : ""}`,
      );
      return 0;
    }
    const lines = await replayRejections(target, rejections, options.waitMs);
    for (const line of lines) console.log(JSON.stringify(line));
    return exitCodeOf(lines);
  } finally {
    target.close();
  }
}

if (import.meta.main) {
  process.exitCode = await main().catch((error: unknown) => {
    if (!(error instanceof ReplayInputError)) throw error;
    console.error(`npm run replay: ${error.message}`);
    return 2;
  });
}
