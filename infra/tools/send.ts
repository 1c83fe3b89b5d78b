/**
 * `npm run send`: sends one SMS through ToBeText, the way the customer's systems do: a send request on
 * the outbox queue; then waits for the sender's outcome on the sent-message record and prints it.
 *
 *   npm run send -- --to 010-1234-5678 --text "안녕하세요" [--from NUMBER] [--ckey KEY] [--transactional]
 *   npm run send -- ... --outputs cdk-outputs.json      a deployed stack (AWS credentials from the environment)
 *
 * Prints one JSON line (ckey, msgId, status, and reason when there is one). Exit 0 when ToBeText took
 * the message, 1 with a one-line reason naming the field when it was refused (here or by ToBeText),
 * 3 when its outcome is unknown or did not come in time (the status callback will tell).
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { checkSendRequest, type SendRequest, type SentMessage } from "../../functions/domain/sent-message.ts";
import { readLocalState, stateDocumentClient, stateSqsClient } from "../local/state.ts";
import { outputKeys } from "../outputs.ts";
import { deployedClients, readStackOutputs } from "./stack-outputs.ts";

const { values: options } = parseArgs({
  options: {
    to: { type: "string" },
    text: { type: "string" },
    from: { type: "string" },
    ckey: { type: "string" },
    // Not advertising: sent even to a number that opted out (README "Opt-out (수신거부)").
    transactional: { type: "boolean", default: false },
    outputs: { type: "string" },
    "wait-seconds": { type: "string", default: "30" },
    help: { type: "boolean", default: false },
  },
});

if (options.help || options.to === undefined || options.text === undefined) {
  console.log(
    'usage: npm run send -- --to NUMBER --text "TEXT" [--from NUMBER] [--ckey KEY] [--transactional] [--outputs cdk-outputs.json] [--wait-seconds N]',
  );
  process.exit(options.help ? 0 : 2);
}

const request: SendRequest = {
  to: options.to,
  text: options.text,
  ckey: options.ckey ?? `send-${randomUUID()}`,
  ...(options.from === undefined ? {} : { from: options.from }),
  ...(options.transactional ? { transactional: true } : {}),
};

const target = options.outputs ? await deployedTarget(options.outputs) : await localTarget();

// Checked here as the sender checks it, so a bad request fails at once; the sender checks again. The
// sender number is the stack's to judge (its TOBETEXT_NUMBERS): a refusal of it comes back in the record.
const checked = checkSendRequest(request, { allowed: [] });
if (!checked.ok && checked.refusal.field !== "from") refuse(checked.refusal.reason);

await target.sqs.send(new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: JSON.stringify(request) }));
const record = await waitForOutcome(String(request.ckey), Number(options["wait-seconds"]) * 1000);
target.sqs.destroy();
target.dynamo.destroy();

const line = record
  ? {
      ckey: record.ckey,
      msgId: record.msgId ?? null,
      status: record.status,
      ...(record.reason === undefined ? {} : { reason: record.reason }),
      ...(record.errorCode === undefined ? {} : { errorCode: record.errorCode }),
    }
  : { ckey: request.ckey, msgId: null, status: "queued", reason: "no outcome yet: see npm run records -- --sent" };
console.log(JSON.stringify(line));
if (record?.status === "refused") {
  console.error(`npm run send: refused: ${record.reason ?? "no reason given"}`);
  process.exit(1);
}
process.exit(record && record.status !== "sending" && record.status !== "unknown" ? 0 : 3);

async function waitForOutcome(ckey: string, waitMs: number): Promise<SentMessage | undefined> {
  const deadline = Date.now() + waitMs;
  let record: SentMessage | undefined;
  for (;;) {
    const { Item } = await target.dynamo.send(
      new GetCommand({ TableName: target.tableName, Key: { ckey }, ConsistentRead: true }),
    );
    record = Item as SentMessage | undefined;
    if ((record && record.status !== "sending") || Date.now() > deadline) return record;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface Target {
  sqs: SQSClient;
  queueUrl: string;
  dynamo: DynamoDBDocumentClient;
  tableName: string;
}

async function localTarget(): Promise<Target> {
  const state = await readLocalState();
  if (!state) fail("no local stack is running: start one with npm start (or name a deployed one with --outputs FILE)");
  const queueUrl = state.queueUrls.outbox;
  const tableName = state.tableNames.sentMessages;
  if (!queueUrl || !tableName)
    fail("the running local stack is of an earlier version, without sending: restart npm start");
  return {
    sqs: stateSqsClient(state),
    queueUrl,
    dynamo: stateDocumentClient(state),
    tableName,
  };
}

async function deployedTarget(file: string): Promise<Target> {
  const stack = await readStackOutputs(file, fail);
  const { dynamo, sqs } = await deployedClients("npm run send --outputs", fail);
  return {
    sqs,
    queueUrl: stack.output(outputKeys.queueUrl("outbox")),
    dynamo,
    tableName: stack.output(outputKeys.tableName("sentMessages")),
  };
}

function refuse(reason: string): never {
  console.error(`npm run send: refused: ${reason}`);
  process.exit(1);
}

function fail(message: string): never {
  console.error(`npm run send: ${message}`);
  process.exit(2);
}
