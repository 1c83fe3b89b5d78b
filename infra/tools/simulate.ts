/**
 * `npm run simulate`: a conformance conversation with the stack, as ToBeText would hold it: an inbound
 * SMS whose confirmations are lost (so it comes 4 times), sends, their answers and status callbacks,
 * and a callback for a message the stack never sent. Prints PASS, FAIL or SKIP per step; exit 0 when
 * none failed. The check to run after `npm start`, or after `cdk deploy`:
 *
 *   npm run simulate                                  the running local stack and its ToBeText simulator
 *   npm run simulate -- --outputs cdk-outputs.json    a deployed stack (AWS credentials from the environment)
 *                       [--to 010-1234-5678]          ...and a real SMS to this number through ToBeText
 *   [--recipient NUMBER]                              the stack's receiving number (one of its TOBETEXT_NUMBERS)
 *
 * Locally every step runs, ToBeText's side played by the simulator npm start runs (its plans script an
 * error code, a lost answer, a callback before the answer). Against a deployed stack the sender talks to
 * the real ToBeText: the send steps run only with --to (a real SMS, paid for), and the callbacks are
 * played by this tool, with the CKey and MsgId of that send, as ToBeText would post them.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { urlSecretsFrom } from "../../functions/adapters/url-secrets.ts";
import { firstRecordIdOf } from "../../functions/domain/inbound-message.ts";
import { fingerprintOf } from "../../functions/domain/inbound-sms.ts";
import { parsePhoneNumber } from "../../functions/domain/phone-number.ts";
import type { SentMessage } from "../../functions/domain/sent-message.ts";
import { readLocalState, stateDocumentClient, stateSqsClient } from "../local/state.ts";
import { outputKeys } from "../outputs.ts";
import { deliverInboundSms } from "../simulator/inbound.ts";
import type { Plan } from "../simulator/simulator.ts";
import { deployedClients, readStackOutputs } from "./stack-outputs.ts";

const { values: options } = parseArgs({
  options: {
    outputs: { type: "string" },
    to: { type: "string" },
    recipient: { type: "string", default: "821012341234" },
    sender: { type: "string", default: "01056785678" },
    "timeout-seconds": { type: "string", default: "60" },
    help: { type: "boolean", default: false },
  },
});
if (options.help) {
  console.log(
    "usage: npm run simulate -- [--outputs cdk-outputs.json [--to NUMBER]] [--recipient NUMBER] [--timeout-seconds N]",
  );
  process.exit(0);
}

interface Target {
  where: string;
  inboundUrl: string;
  statusUrl: string;
  tables: { inbound: string; reports: string; sent: string };
  outboxUrl: string;
  dynamo: DynamoDBDocumentClient;
  sqs: SQSClient;
  /** The local simulator's admin URL; undefined against a deployed stack (the real ToBeText). */
  simulatorUrl: string | undefined;
  /** Where sends go to: a number of the user's on AWS (--to), any locally. */
  sendTo: string | undefined;
}

const target = options.outputs ? await deployedTarget(options.outputs) : await localTarget();
const run = randomUUID().replaceAll("-", "").slice(0, 10);
const timeoutMs = Number(options["timeout-seconds"]) * 1000;
const results: Array<"pass" | "fail" | "skip"> = [];
console.log(`Conformance conversation with ${target.where} (run ${run})`);

await step("inbound SMS, its confirmation lost 3 times, is stored once with 4 deliveries", async () => {
  const body = `SIMULATE ${run}`;
  const delivery = await deliverInboundSms({
    url: target.inboundUrl,
    fields: { SendNum: options.sender, RecvNum: options.recipient, Body: body },
    lostConfirmations: 3,
  });
  const statuses = delivery.attempts.map((attempt) => attempt.status);
  if (statuses.some((status) => status !== 200)) {
    const hint = statuses.includes(400) ? " (is --recipient one of the stack's TOBETEXT_NUMBERS?)" : "";
    return fail(`answers ${statuses.join(", ")}${hint}`);
  }
  const sender = parsePhoneNumber(options.sender);
  const recipient = parsePhoneNumber(options.recipient);
  if (!sender || !recipient) return fail("--sender and --recipient must be phone numbers");
  const messageId = firstRecordIdOf(fingerprintOf({ sender, recipient, fields: { Body: body } }));
  const record = await waitFor(
    () => read(target.tables.inbound, { messageId }),
    (item) => item?.deliveryCount === 4,
  );
  return record?.deliveryCount === 4
    ? pass(`4 answers 200, record ${messageId}, deliveryCount 4`)
    : fail(`record ${messageId}: deliveryCount ${String(record?.deliveryCount ?? "none")}`);
});

const sendable = target.sendTo !== undefined;
const skipSend = "a real SMS through ToBeText: pass --to NUMBER to run it";

let accepted: SentMessage | undefined;
await step("send: ToBeText accepts it, the record has its MsgId", async () => {
  if (!sendable) return skip(skipSend);
  accepted = await send({ text: `SIMULATE ${run}` }, "accepted");
  return accepted?.msgId ? pass(`CKey ${accepted.ckey}, MsgId ${accepted.msgId}`) : fail(describe(accepted));
});

await step("status callbacks, repeated, settle the send: delivered", async () => {
  if (!sendable) return skip(skipSend);
  if (!accepted?.msgId) return fail("no accepted send to report on");
  const { ckey, msgId } = accepted;
  // ToBeText's callbacks come 3 to 30 minutes after a send: on AWS this tool posts them, as ToBeText would.
  if (!target.simulatorUrl) {
    for (let repeat = 0; repeat < 2; repeat++) {
      const answer = await postCallback({ CKey: ckey, MsgId: msgId, Status: "Success", ErrorCode: "200" });
      if (answer !== 200) return fail(`callback answered ${answer}`);
    }
  }
  const settled = await waitForSent(ckey, (record) => record.status === "delivered");
  return settled?.status === "delivered"
    ? pass(`CKey ${ckey} delivered (${settled.resultCode}), joined to ${settled.deliveryReportId}`)
    : fail(describe(settled));
});

await step("a send over ToBeText's Body limit is refused before ToBeText, naming the field", async () => {
  const to = target.sendTo ?? "01012345678";
  const sent = await send({ text: "가".repeat(81), to }, "refused");
  return sent?.status === "refused" && sent.refusedBy === "sender" && /^text /.test(sent.reason ?? "")
    ? pass(sent.reason ?? "")
    : fail(describe(sent));
});

for (const [name, plan, expected] of [
  ["ToBeText's 2005 answer is a refusal naming Body", { answer: 2005 }, "refused"],
  ["an answer that never comes is unknown, then settled by its callback", { dropAnswer: true }, "delivered"],
  ["a callback before the send's answer is joined", { callbacksBeforeAnswer: true }, "delivered"],
] as const) {
  await step(name, async () => {
    if (!target.simulatorUrl) return skip("scripts ToBeText's behaviour: the local simulator only");
    const ckey = `simulate-${run}-${results.length}`;
    await scriptSimulator(ckey, plan);
    const sent = await send({ text: `SIMULATE ${run}`, ckey }, expected);
    if (sent?.status !== expected) return fail(describe(sent));
    if ("dropAnswer" in plan && sent.sendOutcome !== "unknown") return fail(`sendOutcome ${sent.sendOutcome}`);
    return pass(`CKey ${ckey}: ${sent.sendOutcome}, then ${sent.status}${sent.reason ? ` (${sent.reason})` : ""}`);
  });
}

await step("a callback for a message the stack never sent is kept, flagged orphan", async () => {
  const msgId = `simulate${run}`.padEnd(32, "0");
  const answer = await postCallback({
    CKey: `simulate-${run}-orphan`,
    MsgId: msgId,
    Status: "Success",
    ErrorCode: "200",
  });
  if (answer !== 200) return fail(`answered ${answer}`);
  const report = await waitFor(
    () => read(target.tables.reports, { recordId: `MsgId#${msgId}` }),
    (item) => item?.orphan === true,
  );
  return report?.orphan === true ? pass(`record MsgId#${msgId}, orphan`) : fail("no orphan record");
});

target.dynamo.destroy();
target.sqs.destroy();
const failed = results.filter((result) => result === "fail").length;
const skipped = results.filter((result) => result === "skip").length;
console.log(
  `${failed === 0 ? "simulate: PASS" : "simulate: FAIL"} (${results.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped)`,
);
process.exit(failed === 0 ? 0 : 1);

type StepResult = { result: "pass" | "fail" | "skip"; detail: string };
function pass(detail: string): StepResult {
  return { result: "pass", detail };
}
function fail(detail: string): StepResult {
  return { result: "fail", detail };
}
function skip(detail: string): StepResult {
  return { result: "skip", detail };
}

async function step(name: string, body: () => Promise<StepResult>): Promise<void> {
  let outcome: StepResult;
  try {
    outcome = await body();
  } catch (error) {
    outcome = fail((error as Error).message);
  }
  results.push(outcome.result);
  console.log(`${outcome.result.toUpperCase().padEnd(4)} ${name}: ${outcome.detail}`);
}

async function send(
  request: { text: string; ckey?: string; to?: string },
  until: SentMessage["status"],
): Promise<SentMessage | undefined> {
  const ckey = request.ckey ?? `simulate-${run}-${results.length}`;
  const body = { to: request.to ?? target.sendTo ?? "01012345678", text: request.text, ckey };
  await target.sqs.send(new SendMessageCommand({ QueueUrl: target.outboxUrl, MessageBody: JSON.stringify(body) }));
  return waitForSent(
    ckey,
    (record) => record.status === until || ["refused", "failed", "expired"].includes(record.status),
  );
}

function waitForSent(ckey: string, done: (record: SentMessage) => boolean) {
  return waitFor(
    async () => (await read(target.tables.sent, { ckey })) as SentMessage | undefined,
    (record) => record !== undefined && done(record),
  );
}

function describe(record: SentMessage | undefined): string {
  return record
    ? `status ${record.status} (${record.sendOutcome})${record.reason ? `: ${record.reason}` : ""}`
    : "no record";
}

async function read(table: string, key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
  const { Item } = await target.dynamo.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
  return Item;
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function postCallback(fields: Record<string, string>): Promise<number> {
  const response = await fetch(target.statusUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ SendNum: "0215881234", RecvNum: "+821012345678", ErrorMsg: "simulate", ...fields }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function scriptSimulator(ckey: string, plan: Plan): Promise<void> {
  const response = await fetch(`${target.simulatorUrl}/_simulator/plans`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ckey, ...plan }),
  });
  if (!response.ok) throw new Error(`the simulator refused the plan: ${await response.text()}`);
}

async function localTarget(): Promise<Target> {
  const state = await readLocalState();
  if (!state) exit("no local stack is running: start one with npm start (or name a deployed one with --outputs FILE)");
  const { inboundSms, statusCallback } = state.urls;
  const { inboundMessages, deliveryReports, sentMessages } = state.tableNames;
  const outboxUrl = state.queueUrls.outbox;
  if (!inboundSms || !statusCallback || !inboundMessages || !deliveryReports || !sentMessages || !outboxUrl) {
    exit("the running local stack is of an earlier version: restart npm start");
  }
  return {
    where: `the local stack (${inboundSms.replace(/\/[^/]*$/, "/…")})`,
    inboundUrl: inboundSms,
    statusUrl: statusCallback,
    tables: { inbound: inboundMessages, reports: deliveryReports, sent: sentMessages },
    outboxUrl,
    dynamo: stateDocumentClient(state),
    sqs: stateSqsClient(state),
    simulatorUrl: state.simulatorUrl,
    sendTo: options.to ?? "01012345678",
  };
}

async function deployedTarget(file: string): Promise<Target> {
  const stack = await readStackOutputs(file, exit);
  const { dynamo, sqs } = await deployedClients("npm run simulate --outputs", exit);
  const [secret] = await urlSecretsFrom({ secretArn: stack.output(outputKeys.urlSecretArn) })();
  const withSecret = (base: string) => `${base.replace(/\/?$/, "/")}${secret}`;
  return {
    where: `stack ${stack.stackName}`,
    inboundUrl: withSecret(stack.output(outputKeys.routeUrl("inboundSms"))),
    statusUrl: withSecret(stack.output(outputKeys.routeUrl("statusCallback"))),
    tables: {
      inbound: stack.output(outputKeys.tableName("inboundMessages")),
      reports: stack.output(outputKeys.tableName("deliveryReports")),
      sent: stack.output(outputKeys.tableName("sentMessages")),
    },
    outboxUrl: stack.output(outputKeys.queueUrl("outbox")),
    dynamo,
    sqs,
    simulatorUrl: undefined,
    sendTo: options.to,
  };
}

function exit(message: string): never {
  console.error(`npm run simulate: ${message}`);
  process.exit(2);
}
