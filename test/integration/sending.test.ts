/**
 * Sending, through the local stack and the ToBeText simulator it starts: requests on the outbox
 * queue, the sender at most once per CKey, ToBeText's answers and error codes, status callbacks
 * joined to their sent message in either order, and the sweep's expiry.
 */
import type { Context, SQSEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Plan, RunningSimulator } from "../../infra/simulator/simulator.ts";
import { settingNames } from "../../infra/topology.ts";
import {
  type SendsView,
  stackStateDirForTests,
  startSendingPipeline,
  type TestPipeline,
  testUrlSecret,
} from "../support/pipeline.ts";
import { lambdaContext, sqsEvent, sqsRecord } from "../support/sqs.ts";
import { killAll, runNode } from "./fixtures/processes.ts";

const account = "+8215881234";
/** Short enough for the expiry test; every other message here gets its result well within it. */
const resultTimeoutSeconds = 3;

let pipeline: TestPipeline;
let simulator: RunningSimulator;
let sends: SendsView;
let sequence = 0;

beforeAll(async () => {
  ({ pipeline, simulator, sends } = await startSendingPipeline(
    {
      [settingNames.receivingNumbers]: account,
      [settingNames.resultTimeoutSeconds]: String(resultTimeoutSeconds),
    },
    2,
  ));
}, 60_000);

afterAll(async () => {
  await pipeline?.stop();
});

afterEach(killAll);

const newCKey = (what: string) => `${what}-${++sequence}-${Date.now()}`;

async function send(request: Record<string, unknown>, copies = 1): Promise<void> {
  await pipeline.enqueue(
    "outbox",
    Array.from({ length: copies }, () => JSON.stringify(request)),
  );
}

async function deliveryReportOf(recordId: string) {
  const items = await pipeline.scan("deliveryReports");
  return items.find((item) => item.recordId === recordId);
}

describe("a send, its answer and its callbacks", () => {
  it("sends, gets ToBeText's MsgId, and is delivered once its callbacks come", async () => {
    const ckey = newCKey("hello");
    await send({ to: "010-1234-5678", text: "안녕하세요", ckey });
    const accepted = await sends.eventually(ckey, (record) => record.sendOutcome === "accepted");
    expect(accepted.msgId).toMatch(/^[0-9a-f]{32}$/);
    const delivered = await sends.eventually(ckey, (record) => record.status === "delivered");
    expect(delivered).toMatchObject({
      sendOutcome: "accepted",
      result: "delivered",
      resultCode: "200",
      deliveryReportId: `MsgId#${accepted.msgId}`,
      recipient: "+821012345678",
      sendNum: "015881234",
    });
    expect(delivered.awaiting).toBeUndefined();
    const [request] = sends.requestsFor(ckey);
    expect(request?.fields).toMatchObject({ RecvNum: "+821012345678", SendNum: "015881234", Body: "안녕하세요" });
    // The callback URL is this stack's status-callback route, with its secret.
    expect(request?.fields.callback).toBe(pipeline.stack.urls.statusCallback);
    expect(request?.fields.callback).toMatch(new RegExp(`/status-callback/${testUrlSecret}$`));
    const report = await deliveryReportOf(`MsgId#${accepted.msgId}`);
    expect(report).toMatchObject({ sentCKey: ckey, outcome: "delivered" });
    expect(report?.orphan).toBeUndefined();
  });

  it("makes one ToBeText request for 20 concurrent requests of one CKey", async () => {
    const ckey = newCKey("burst");
    await send({ to: "01012345678", text: "once", ckey }, 10);
    await send({ to: "01012345678", text: "once", ckey }, 10);
    await sends.eventually(ckey, (record) => record.status === "delivered");
    await pipeline.stack.idle();
    expect(sends.requestsFor(ckey)).toHaveLength(1);
  });

  it("makes no second request for an SQS redelivery of a request it sent", async () => {
    const ckey = newCKey("redelivered");
    const { handler } = (await import("../../functions/sender/handler.ts")) as {
      handler: (event: SQSEvent, context: Context) => Promise<unknown>;
    };
    const messageId = `redelivery-${ckey}`;
    const body = JSON.stringify({ to: "01012345678", text: "twice?", ckey });
    const context = lambdaContext("sender");
    await handler(sqsEvent(sqsRecord(messageId, body, { queue: "outbox" })), context);
    await handler(sqsEvent(sqsRecord(messageId, body, { queue: "outbox", receiveCount: 2 })), context);
    expect(sends.requestsFor(ckey)).toHaveLength(1);
    expect((await sends.record(ckey))?.sendOutcome).toBe("accepted");
  });

  it("records an answer that never came as unknown, never resends it, and lets the callback settle it", async () => {
    const ckey = newCKey("dropped");
    simulator.plan(ckey, { dropAnswer: true, callbacks: [{ errorCode: "200", delayMs: 400 }] });
    await send({ to: "01012345678", text: "lost answer", ckey });
    const unknown = await sends.eventually(ckey, (record) => record.sendOutcome === "unknown");
    expect(unknown.reason).toMatch(/no answer from ToBeText/);
    const delivered = await sends.eventually(ckey, (record) => record.status === "delivered");
    expect(delivered).toMatchObject({ sendOutcome: "unknown", result: "delivered" });
    // The MsgId came with the callback.
    expect(delivered.msgId).toMatch(/^[0-9a-f]{32}$/);
    await send({ to: "01012345678", text: "lost answer", ckey });
    await pipeline.stack.idle();
    expect(sends.requestsFor(ckey)).toHaveLength(1);
  });
});

describe("status callbacks join their sent message in either order", () => {
  it("a callback before the answer, carrying the CKey", async () => {
    const ckey = newCKey("early");
    simulator.plan(ckey, {
      callbacksBeforeAnswer: true,
      answerDelayMs: 1500,
      callbacks: [{ errorCode: "400", delayMs: 0 }],
    });
    await send({ to: "01012345678", text: "early", ckey });
    // The status processor settles it by its CKey while the sender still awaits the answer.
    const early = await sends.eventually(ckey, (record) => record.status === "failed");
    expect(early.sendOutcome).toBe("sending");
    const failed = await sends.eventually(
      ckey,
      (record) => record.status === "failed" && record.sendOutcome === "accepted",
    );
    expect(failed).toMatchObject({ result: "failed", resultCode: "400" });
  });

  it("a callback before the answer, naming only the MsgId: kept as an orphan, joined when the answer is stored", async () => {
    const ckey = newCKey("msgid-only");
    simulator.plan(ckey, {
      callbacksBeforeAnswer: true,
      answerDelayMs: 1500,
      callbacks: [{ errorCode: "200", delayMs: 0, omitCKey: true }],
    });
    await send({ to: "01012345678", text: "msgid only", ckey });
    const orphan = await pipeline.eventually(
      async () =>
        (await pipeline.scan("deliveryReports")).find(
          (item) => item.orphan === true && item.cKey === undefined && simulatorMsgId(ckey) === item.msgId,
        ),
      (item) => item !== undefined,
    );
    expect(orphan?.sentCKey).toBeUndefined();
    const delivered = await sends.eventually(ckey, (record) => record.status === "delivered");
    expect(delivered.sendOutcome).toBe("accepted");
    // The sender settles the message, then marks the record joined.
    const report = await pipeline.eventually(
      () => deliveryReportOf(`MsgId#${delivered.msgId}`),
      (item) => item?.sentCKey === ckey,
    );
    expect(report?.orphan).toBeUndefined();
  });

  it("callbacks before the answer, the first naming only the MsgId: the next, carrying the CKey, joins the orphan by it", async () => {
    const ckey = newCKey("msgid-then-ckey");
    simulator.plan(ckey, {
      callbacksBeforeAnswer: true,
      answerDelayMs: 1500,
      callbacks: [
        { errorCode: "999", delayMs: 0, omitCKey: true },
        { errorCode: "400", delayMs: 600 },
      ],
    });
    await send({ to: "01012345678", text: "msgid, then ckey", ckey });
    // The first leaves an orphan (the MsgId is not stored yet); the second is looked up by its CKey
    // although the record is an orphan, and settles the message while the sender still awaits the answer.
    const early = await sends.eventually(ckey, (record) => record.status === "failed");
    expect(early.sendOutcome).toBe("sending");
    const failed = await sends.eventually(
      ckey,
      (record) => record.status === "failed" && record.sendOutcome === "accepted",
    );
    const report = await deliveryReportOf(`MsgId#${failed.msgId}`);
    expect(report).toMatchObject({ sentCKey: ckey, cKey: ckey, callbackCount: 2, outcome: "failed" });
    expect(report?.orphan).toBeUndefined();
  });

  it("a callback for a message this system did not send stays an orphan, flagged", async () => {
    const response = await pipeline.post(
      pipeline.stack.urls.statusCallback,
      "CKey=not-ours-1&MsgId=0123456789abcdef0123456789abcdef&Status=Success&ErrorCode=200&ErrorMsg=ok",
      { "content-type": "application/x-www-form-urlencoded" },
    );
    expect(response.status).toBe(200);
    const report = await pipeline.eventually(
      () => deliveryReportOf("MsgId#0123456789abcdef0123456789abcdef"),
      (item) => item !== undefined,
    );
    expect(report).toMatchObject({ orphan: true });
    expect(report?.sentCKey).toBeUndefined();
  });
});

describe("ToBeText's rules and answers", () => {
  it.each([
    ["80 Korean characters", "가".repeat(80), true],
    ["81 Korean characters", "가".repeat(81), false],
    ["160 ASCII characters", "a".repeat(160), true],
  ])("%s: %s", async (_what, text, passes) => {
    const ckey = newCKey("body");
    await send({ to: "01012345678", text, ckey });
    const record = await sends.eventually(ckey, (record) => record.sendOutcome !== "sending");
    if (passes) {
      expect(record.sendOutcome).toBe("accepted");
    } else {
      expect(record).toMatchObject({ sendOutcome: "refused", refusedBy: "sender" });
      expect(record.reason).toMatch(/text has 81 characters/);
      expect(sends.requestsFor(ckey)).toHaveLength(0);
    }
  });

  it.each([
    [2001, /^Ckey: /],
    [2002, /^Cid\/token: /],
    [2004, /^SendNum: /],
    [2005, /^Body: /],
  ] as const)("ErrorCode %s is a refusal naming its field, ToBeText's answer kept", async (code, reason) => {
    const ckey = newCKey(`code${code}`);
    simulator.plan(ckey, { answer: code } satisfies Plan);
    await send({ to: "01012345678", text: "refused", ckey });
    const record = await sends.eventually(ckey, (record) => record.sendOutcome !== "sending");
    expect(record).toMatchObject({ status: "refused", refusedBy: "ToBeText", errorCode: String(code) });
    expect(record.reason).toMatch(reason);
    expect(record.answer).toContain(`<ErrorCode>${code}</ErrorCode>`);
    expect(record.awaiting).toBeUndefined();
  });

  it("refuses a sender number that is not the account's, before ToBeText", async () => {
    const ckey = newCKey("from");
    await send({ to: "01012345678", text: "hi", from: "010-9999-9999", ckey });
    const record = await sends.eventually(ckey, (record) => record.sendOutcome !== "sending");
    expect(record).toMatchObject({ status: "refused", refusedBy: "sender" });
    expect(record.reason).toMatch(/^from is not one of this account's numbers/);
  });
});

describe("expiry", () => {
  it("expires a message without a final result by its due time; a late result still counts", async () => {
    const ckey = newCKey("silent");
    simulator.plan(ckey, { callbacks: [] });
    await send({ to: "01012345678", text: "no news", ckey });
    const accepted = await sends.eventually(ckey, (record) => record.sendOutcome === "accepted");
    await pipeline.stack.runSchedule("resultSweep");
    expect((await sends.record(ckey))?.status).toBe("accepted");
    await new Promise((resolve) => setTimeout(resolve, resultTimeoutSeconds * 1000 + 200));
    await pipeline.stack.runSchedule("resultSweep");
    const expired = await sends.record(ckey);
    expect(expired).toMatchObject({ status: "expired", result: "expired" });
    expect(expired?.awaiting).toBeUndefined();

    const late = await pipeline.post(
      pipeline.stack.urls.statusCallback,
      `CKey=${ckey}&MsgId=${accepted.msgId}&Status=Success&ErrorCode=200&ErrorMsg=late`,
      { "content-type": "application/x-www-form-urlencoded" },
    );
    expect(late.status).toBe(200);
    await sends.eventually(ckey, (record) => record.status === "delivered");
  }, 30_000);
});

describe("npm run send", () => {
  const stateDir = stackStateDirForTests(() => pipeline.stack, "tobetext-send-");

  const runSend = async (args: string[]) => {
    const run = runNode(["infra/tools/send.ts", ...args], { TOBETEXT_LOCAL_DIR: stateDir() });
    const code = await run.exited;
    return { code, output: run.output, errors: run.errors };
  };

  it("prints one JSON line with ckey, msgId and status, exit 0", async () => {
    const ckey = newCKey("cli");
    const { code, output } = await runSend(["--to", "010-1234-5678", "--text", "안녕하세요", "--ckey", ckey]);
    expect(code).toBe(0);
    expect(output).toHaveLength(1);
    const line = JSON.parse(output[0] ?? "");
    // Accepted, or delivered already: the simulator's callbacks come within milliseconds.
    expect(["accepted", "delivered"]).toContain(line.status);
    expect(line.msgId).toMatch(/^[0-9a-f]{32}$/);
    expect(line.ckey).toMatch(/^cli-/);
    // The request it was given, and the MsgId ToBeText answered it with, as recorded.
    expect(line.ckey).toBe(ckey);
    expect(line.msgId).toBe((await sends.record(ckey))?.msgId);
  });

  it.each([
    [["--to", "12", "--text", "hi"], /to is not a phone number/],
    [["--to", "01012345678", "--text", "가".repeat(81)], /text has 81 characters/],
    [["--to", "01012345678", "--text", "hi", "--from", "010-9999-9999"], /from is not one of this account's numbers/],
  ])("exits 1 with a one-line reason naming the field: %j", async (args, reason) => {
    const { code, errors } = await runSend(args);
    expect(code).toBe(1);
    expect(errors.join("\n")).toMatch(reason);
    expect(errors).toEqual([expect.stringMatching(/^npm run send: refused: /)]);
  });
});

function simulatorMsgId(ckey: string): string | undefined {
  const request = sends.requestsFor(ckey).at(-1);
  return request && request.answer !== "dropped" ? request.answer.msgId : undefined;
}
