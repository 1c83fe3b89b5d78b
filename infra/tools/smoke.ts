/**
 * `npm run smoke`: posts a test SMS and a test status callback to a deployed stack, the way
 * ToBeText does, and reads both back from its tables.
 *
 *   npx cdk deploy --outputs-file cdk-outputs.json   (once: writes the stack's URLs and tables)
 *   npm run smoke                                    reads cdk-outputs.json; AWS credentials needed;
 *                                                    prints the full URLs (with their secret) to register
 *   npm run smoke -- --outputs FILE --recipient 01012345678
 *   npm run smoke -- --local                         against the running `npm start` instead
 *
 * The test records are marked: Body "SMOKE <id>", MsgId "smoke-<id>".
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { urlSecretsFrom } from "../../functions/adapters/url-secrets.ts";
import { firstRecordIdOf } from "../../functions/domain/inbound-message.ts";
import { fingerprintOf } from "../../functions/domain/inbound-sms.ts";
import { parsePhoneNumber } from "../../functions/domain/phone-number.ts";
import { dynamoDbClient } from "../local/dynamodb-access.ts";
import { readLocalState, stateDynamoDbAccess } from "../local/state.ts";
import { outputKeys } from "../outputs.ts";
import { readStackOutputs, requireAwsCredentials } from "./stack-outputs.ts";

const { values: options } = parseArgs({
  options: {
    outputs: { type: "string", default: "cdk-outputs.json" },
    local: { type: "boolean", default: false },
    sender: { type: "string", default: "01012345678" },
    recipient: { type: "string", default: "821012341234" },
    "timeout-seconds": { type: "string", default: "60" },
  },
});

interface Target {
  inboundUrl: string;
  statusUrl: string;
  inboundTable: string;
  statusTable: string;
  dynamo: DynamoDBDocumentClient;
}

const target = options.local ? await localTarget() : await deployedTarget();
const id = randomUUID().replaceAll("-", "").slice(0, 12);
const timeoutMs = Number(options["timeout-seconds"]) * 1000;
let failed = false;

const smsBody = `SMOKE ${id}`;
const sms = await post(target.inboundUrl, { SendNum: options.sender, RecvNum: options.recipient, Body: smsBody });
report("inbound SMS answered", sms.status === 200, `${sms.status} ${sms.text}`);
if (sms.status === 400 && sms.text.includes("<ErrorCode>2004</ErrorCode>")) {
  console.log("  (the stack accepts only its TOBETEXT_NUMBERS: pass one with --recipient)");
}
const sender = parsePhoneNumber(options.sender);
const recipient = parsePhoneNumber(options.recipient);
if (sms.status === 200 && sender && recipient) {
  // A new SMS is stored under a name made from its sender, receiving number and Body.
  const messageId = firstRecordIdOf(fingerprintOf({ sender, recipient, fields: { Body: smsBody } }));
  const stored = await readBack(target.inboundTable, { messageId });
  report("inbound SMS stored", stored?.fields?.Body === smsBody, stored ? `record ${messageId}` : "no record");
}

const callbackMsgId = `smoke-${id}`;
const callback = await post(target.statusUrl, {
  CKey: `smoke-ckey-${id}`,
  MsgId: callbackMsgId,
  Status: "Success",
  SendNum: options.recipient,
  RecvNum: options.sender,
  ErrorCode: "200",
  ErrorMsg: "Smoke test",
});
report("status callback answered", callback.status === 200, `${callback.status} ${callback.text}`);
if (callback.status === 200) {
  const stored = await readBack(target.statusTable, { recordId: `MsgId#${callbackMsgId}` });
  report(
    "delivery record stored",
    stored?.outcome === "delivered",
    stored ? `record MsgId#${callbackMsgId}` : "no record",
  );
}

target.dynamo.destroy();
console.log(failed ? "smoke: FAILED" : "smoke: ok");
process.exit(failed ? 1 : 0);

function report(what: string, ok: boolean, detail: string): void {
  if (!ok) failed = true;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}: ${detail}`);
}

async function post(url: string, fields: Record<string, string>): Promise<{ status: number; text: string }> {
  try {
    const response = await fetch(url, {
      method: "POST",
      body: new URLSearchParams(fields).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    return { status: 0, text: `could not reach ${url}: ${(error as Error).message}` };
  }
}

async function readBack(tableName: string, key: Record<string, string>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Item } = await target.dynamo.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
    if (Item || Date.now() > deadline) return Item;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function localTarget(): Promise<Target> {
  const state = await readLocalState();
  if (!state) fail("no local stack is running: start one with npm start");
  const dynamo = dynamoDbClient(stateDynamoDbAccess(state));
  return {
    inboundUrl: required(state.urls.inboundSms, "inbound URL"),
    statusUrl: required(state.urls.statusCallback, "status callback URL"),
    inboundTable: required(state.tableNames.inboundMessages, "inbound table"),
    statusTable: required(state.tableNames.deliveryReports, "delivery reports table"),
    dynamo: DynamoDBDocumentClient.from(dynamo),
  };
}

async function deployedTarget(): Promise<Target> {
  const stack = await readStackOutputs(options.outputs, fail);
  const client = new DynamoDBClient({});
  await requireAwsCredentials(client, "npm run smoke", fail);
  // The URLs end with the secret, which is kept in Secrets Manager, not in the stack's outputs.
  const secretArn = stack.output(outputKeys.urlSecretArn);
  const [currentSecret] = await urlSecretsFrom({ secretArn })();
  const withSecret = (base: string) => `${base.replace(/\/?$/, "/")}${currentSecret}`;
  const inboundUrl = withSecret(stack.output(outputKeys.routeUrl("inboundSms")));
  const statusUrl = withSecret(stack.output(outputKeys.routeUrl("statusCallback")));
  console.log(`URLs to give ToBeText (they hold the secret: keep them private):\n  ${inboundUrl}\n  ${statusUrl}`);
  return {
    inboundUrl,
    statusUrl,
    inboundTable: stack.output(outputKeys.tableName("inboundMessages")),
    statusTable: stack.output(outputKeys.tableName("deliveryReports")),
    dynamo: DynamoDBDocumentClient.from(client),
  };
}

function required(value: string | undefined, what: string): string {
  if (!value) fail(`missing ${what}`);
  return value;
}

function fail(message: string): never {
  console.error(`npm run smoke: ${message}`);
  process.exit(2);
}
