/**
 * Events out and auto-replies, through the local stack: the functions publish to fauxqs's SNS topic,
 * the stack's own subscriber logs what it receives (what `npm run events` prints), and auto-replies go
 * through the outbox and the sender to the ToBeText simulator, whose requests are counted here.
 */
import type { Context, SQSEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Envelope } from "../../functions/domain/envelope.ts";
import { readEventsLog } from "../../infra/local/events-log.ts";
import type { RunningSimulator } from "../../infra/simulator/simulator.ts";
import { settingNames } from "../../infra/topology.ts";
import { inboundSmsEnvelope, statusCallbackEnvelope } from "../support/envelopes.ts";
import { type SendsView, stackStateDirForTests, startSendingPipeline, type TestPipeline } from "../support/pipeline.ts";
import { lambdaContext, sqsEvent, sqsRecord } from "../support/sqs.ts";
import { killAll, runNode } from "./fixtures/processes.ts";

/** The account's numbers: a landline the SMS are sent to, and a mobile of its own. */
const account = "02-1234-5678";
const ownMobile = "010-5555-0000";
const replyText = "주문이 접수되었습니다";
const resultTimeoutSeconds = 3;

let pipeline: TestPipeline;
let simulator: RunningSimulator;
let sends: SendsView;
let sequence = 0;

beforeAll(async () => {
  ({ pipeline, simulator, sends } = await startSendingPipeline(
    {
      [settingNames.prefixes]: "PIZZA,TEST",
      [settingNames.receivingNumbers]: `${account},${ownMobile}`,
      [settingNames.autoReplies]: JSON.stringify({ PIZZA: replyText }),
      [settingNames.resultTimeoutSeconds]: String(resultTimeoutSeconds),
    },
    2,
  ));
}, 60_000);

afterAll(async () => {
  await pipeline?.stop();
});

afterEach(killAll);

type Event = { id: string; type: string; schema: string; occurredAt: string; data: Record<string, unknown> };
const events = async () => (await readEventsLog(pipeline.stack.eventsLog)) as unknown as Event[];

/** A mobile number no other test uses: the hourly bound is per sender. */
const freshMobile = () => `010-7${String(Date.now() % 1000).padStart(3, "0")}-${String(++sequence).padStart(4, "0")}`;
const e164 = (number: string) => `+82${number.replace(/\D/g, "").replace(/^0/, "")}`;

/** Nothing left to do anywhere: the queues empty, the pollers and the simulator idle, every event logged. */
async function settled(): Promise<void> {
  for (let quiet = 0; quiet < 2; ) {
    await pipeline.stack.idle();
    await simulator.idle();
    const depths = await Promise.all(
      (["inboundSms", "statusCallbacks", "outbox"] as const).map((queue) => pipeline.queueDepth(queue)),
    );
    quiet = depths.every((depth) => depth === 0) ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await pipeline.stack.idle();
}

async function postSms(sender: string, body: string, recipient = account) {
  const response = await pipeline.post(
    pipeline.stack.urls.inboundSms,
    `SendNum=${encodeURIComponent(sender)}&RecvNum=${encodeURIComponent(recipient)}&Body=${encodeURIComponent(body)}`,
    { "content-type": "application/x-www-form-urlencoded" },
  );
  expect(response.status).toBe(200);
}

async function inboundRecord(sender: string, body: string) {
  const records = await pipeline.scan("inboundMessages");
  return records.find((record) => record.sender === e164(sender) && (record.fields as { Body: string }).Body === body);
}

const storedRecord = (sender: string, body: string) =>
  pipeline.eventually(
    () => inboundRecord(sender, body),
    (record) => record !== undefined,
  ) as Promise<Record<string, unknown>>;

const replyRequests = (messageId?: string) =>
  simulator
    .requests()
    .filter((request) =>
      messageId === undefined
        ? request.fields.Ckey?.startsWith("reply-")
        : request.fields.Ckey === `reply-${messageId}`,
    );

type SqsHandler = (event: SQSEvent, context: Context) => Promise<unknown>;
const context = lambdaContext();

/** The inbound processor as Lambda runs it, handed the same SQS record `times` times: SQS redelivering it. */
async function deliverToInboundProcessor(envelope: Envelope, times: number): Promise<void> {
  const { handler } = (await import("../../functions/inbound-processor/handler.ts")) as { handler: SqsHandler };
  const body = JSON.stringify(envelope);
  for (let receive = 1; receive <= times; receive++) {
    const result = (await handler(
      sqsEvent(sqsRecord(`sqs-${envelope.kind}-${sequence}`, body, { receiveCount: receive, queue: "inboundSms" })),
      context,
    )) as {
      batchItemFailures: unknown[];
    };
    expect(result.batchItemFailures).toEqual([]);
  }
}

describe("inbound.received", () => {
  it("is published once for an SMS that arrives 4 times (ToBeText's retries), with the versioned schema", async () => {
    const sender = freshMobile();
    const body = `TEST 안녕하세요 ${sequence}`;
    for (let attempt = 0; attempt < 4; attempt++) await postSms(sender, body);
    await settled();
    const record = await storedRecord(sender, body);
    expect(record.deliveryCount).toBe(4);
    const published = (await events()).filter((event) => event.id === `inbound:${record.messageId}`);
    // When the arrival that opened the record came: the first one, unless the queue handed a later
    // retry to the processor first (SQS does not keep order), which then opened it.
    const arrivalTimes = [...(record.arrivals as Iterable<string>)].map((entry) => entry.split(" ")[0]);
    expect(arrivalTimes).toHaveLength(4);
    expect(arrivalTimes).toContain(published[0]?.occurredAt);
    expect(published).toEqual([
      {
        schema: "tobetext.events/v1",
        type: "inbound.received",
        id: `inbound:${record.messageId}`,
        occurredAt: expect.any(String),
        data: {
          messageId: record.messageId,
          sender: e164(sender),
          recipient: e164(account),
          prefix: "TEST",
          text: `안녕하세요 ${sequence}`,
          flags: [],
        },
      },
    ]);
  });

  it("SQS redeliveries: the opening arrival's publishes the same event again (same id), a retry's publishes none", async () => {
    const sender = freshMobile();
    const text = `redelivered ${sequence}`;
    // A retry comes later than the arrival it repeats (two arrivals in one millisecond: see README "Events").
    const at = Date.now();
    const arrival = (id: string, ms: number) => ({
      sender,
      recipient: account,
      prefix: "TEST",
      text,
      arrivalId: `${id}${at}`,
      receivedAt: new Date(ms).toISOString(),
    });
    const opening = inboundSmsEnvelope(arrival("o", at));
    const retry = inboundSmsEnvelope(arrival("r", at + 1500));
    // Each twice: the second delivery of each finds its arrival counted already.
    await deliverToInboundProcessor(opening, 2);
    await deliverToInboundProcessor(retry, 2);
    await settled();
    const record = await storedRecord(sender, `TEST ${text}`);
    expect(record.deliveryCount).toBe(2);
    const published = (await events()).filter((event) => event.data.messageId === record.messageId);
    // At least once, at most once per delivery of the opening arrival: the repeat is the same document.
    expect(published.map((event) => event.id)).toEqual([`inbound:${record.messageId}`, `inbound:${record.messageId}`]);
    expect(published[1]).toEqual(published[0]);
  });

  it("is published by the redelivery when the first delivery stored the SMS and stopped before publishing", async () => {
    const sender = freshMobile();
    const text = `stopped ${sequence}`;
    const envelope = inboundSmsEnvelope({
      sender,
      recipient: account,
      prefix: "TEST",
      text,
      arrivalId: `s${Date.now()}`,
    });
    if (envelope.kind !== "inbound-sms") throw new Error("not an inbound SMS");
    // What the first delivery did before it stopped: the arrival stored, nothing published.
    const { inboundMessageStore } = await import("../../functions/adapters/inbound-store.ts");
    const { recordInboundArrival } = await import("../../functions/use-cases/record-inbound-arrival.ts");
    const stored = await recordInboundArrival(
      envelope.arrival,
      inboundMessageStore({
        inboundMessages: pipeline.stack.tableNames.inboundMessages,
        dedupe: pipeline.stack.tableNames.dedupe,
      }),
      3_600_000,
    );
    expect(stored).toMatchObject({ counted: true, opened: true });
    await settled();
    expect((await events()).filter((event) => event.id === `inbound:${stored.messageId}`)).toEqual([]);
    await deliverToInboundProcessor(envelope, 1);
    await settled();
    expect((await events()).filter((event) => event.id === `inbound:${stored.messageId}`)).toHaveLength(1);
  });
});

describe("sent.status-changed", () => {
  const sentEvents = async (ckey: string) =>
    (await events()).filter((event) => event.type === "sent.status-changed" && event.data.ckey === ckey);

  it("one per change: accepted, then delivered; the repeated callbacks add none", async () => {
    const ckey = `events-${++sequence}-${Date.now()}`;
    await pipeline.enqueue("outbox", [JSON.stringify({ to: "010-1234-5678", text: "안녕", ckey })]);
    const delivered = await pipeline.eventually(
      () => sends.record(ckey),
      (record) => record?.status === "delivered",
    );
    await settled();
    // The simulator sent each result twice; post it twice more, as ToBeText's periodic repeats.
    for (let repeat = 0; repeat < 2; repeat++) {
      const response = await pipeline.post(
        pipeline.stack.urls.statusCallback,
        `CKey=${ckey}&MsgId=${delivered?.msgId}&Status=Success&ErrorCode=200&ErrorMsg=again`,
        { "content-type": "application/x-www-form-urlencoded" },
      );
      expect(response.status).toBe(200);
    }
    await settled();
    const published = await sentEvents(ckey);
    expect(published.map((event) => event.id).sort()).toEqual([`sent:${ckey}:accepted`, `sent:${ckey}:delivered`]);
    const byStatus = Object.fromEntries(published.map((event) => [event.data.status, event]));
    expect(byStatus.accepted?.data).toEqual({
      ckey,
      status: "accepted",
      msgId: delivered?.msgId,
      recipient: "+821012345678",
      code: "200",
    });
    expect(byStatus.delivered?.data).toMatchObject({ ckey, status: "delivered", msgId: delivered?.msgId, code: "200" });
    expect(byStatus.delivered?.occurredAt).toBe(delivered?.resultAt);
  });

  it("SQS redeliveries publish the same event again (same id and document); a duplicate request or a repeated callback none", async () => {
    const ckey = `redelivered-${++sequence}-${Date.now()}`;
    simulator.plan(ckey, { callbacks: [] });
    const { handler: sender } = (await import("../../functions/sender/handler.ts")) as { handler: SqsHandler };
    const request = JSON.stringify({ to: "010-1234-5678", text: "twice", ckey });
    for (const receive of [1, 2]) {
      await sender(sqsEvent(sqsRecord(`send-${ckey}`, request, { receiveCount: receive, queue: "outbox" })), context);
    }
    // The same CKey in another SQS message: a duplicate, held, and silent.
    await pipeline.enqueue("outbox", [request]);
    await settled();
    const accepted = await sentEvents(ckey);
    expect(accepted.map((event) => event.id)).toEqual([`sent:${ckey}:accepted`, `sent:${ckey}:accepted`]);
    expect(accepted[1]).toEqual(accepted[0]);

    const msgId = (await sends.record(ckey))?.msgId ?? "";
    const { handler: statusProcessor } = (await import("../../functions/status-processor/handler.ts")) as {
      handler: SqsHandler;
    };
    const callback = JSON.stringify(
      statusCallbackEnvelope({ arrivalId: `cb${Date.now()}`, msgId, status: "Success", errorCode: "200" }),
    );
    for (const receive of [1, 2]) {
      await statusProcessor(
        sqsEvent(sqsRecord(`callback-${ckey}`, callback, { receiveCount: receive, queue: "statusCallbacks" })),
        context,
      );
    }
    const repeat = await pipeline.post(
      pipeline.stack.urls.statusCallback,
      `CKey=${ckey}&MsgId=${msgId}&Status=Success&ErrorCode=200&ErrorMsg=again`,
      { "content-type": "application/x-www-form-urlencoded" },
    );
    expect(repeat.status).toBe(200);
    await settled();
    const delivered = (await sentEvents(ckey)).filter((event) => event.data.status === "delivered");
    expect(delivered.map((event) => event.id)).toEqual([`sent:${ckey}:delivered`, `sent:${ckey}:delivered`]);
    expect(delivered[1]).toEqual(delivered[0]);
    expect((await sentEvents(ckey)).length).toBe(4);
  });

  it("a refusal before ToBeText, with its reason; and the sweep's expiry", async () => {
    const refused = `refused-${++sequence}-${Date.now()}`;
    await pipeline.enqueue("outbox", [JSON.stringify({ to: "12", text: "hi", ckey: refused })]);
    const silent = `silent-${++sequence}-${Date.now()}`;
    simulator.plan(silent, { callbacks: [] });
    await pipeline.enqueue("outbox", [JSON.stringify({ to: "010-1234-5678", text: "no news", ckey: silent })]);
    await settled();
    expect((await sentEvents(refused)).map((event) => [event.data.status, event.data.reason])).toEqual([
      ["refused", "to is not a phone number"],
    ]);
    await new Promise((resolve) => setTimeout(resolve, resultTimeoutSeconds * 1000 + 200));
    await pipeline.stack.runSchedule("resultSweep");
    await pipeline.stack.runSchedule("resultSweep");
    await settled();
    expect((await sends.record(silent))?.status).toBe("expired");
    expect((await sentEvents(silent)).map((event) => event.id)).toEqual([
      `sent:${silent}:accepted`,
      `sent:${silent}:expired`,
    ]);
  }, 30_000);
});

describe("npm run events", () => {
  const stateDir = stackStateDirForTests(() => pipeline.stack, "tobetext-events-");

  it("--json prints every event published so far, one JSON object a line, and exits 0", async () => {
    await settled();
    const run = runNode(["infra/tools/events.ts", "--json"], { TOBETEXT_LOCAL_DIR: stateDir() });
    expect(await run.exited).toBe(0);
    const logged = await events();
    expect(logged.length).toBeGreaterThan(0);
    expect(run.output.map((line) => JSON.parse(line))).toEqual(logged);
  });

  it("--follow keeps printing events as they are published", async () => {
    // Events there before it starts (one of its own when this test runs alone): the snapshot it prints first.
    if ((await events()).length === 0) {
      const sender = freshMobile();
      const body = `TEST before follow ${sequence}`;
      await postSms(sender, body);
      await storedRecord(sender, body);
    }
    await settled();
    const logged = await events();
    const before = logged.length;
    expect(before).toBeGreaterThan(0);

    const run = runNode(["infra/tools/events.ts", "--json", "--follow"], { TOBETEXT_LOCAL_DIR: stateDir() });
    const ids = () => run.output.map((line) => (JSON.parse(line) as Event).id);
    await pipeline.eventually(
      async () => run.output.length,
      (count) => count >= before,
    );
    expect(ids().slice(0, before)).toEqual(logged.map((event) => event.id));

    const sender = freshMobile();
    const body = `TEST follow ${sequence}`;
    await postSms(sender, body);
    const record = await storedRecord(sender, body);
    const published = `inbound:${record.messageId}`;
    await run.line((line) => line.includes(`"${published}"`));
    // Printed as it came, after the snapshot, and once.
    expect(ids().indexOf(published)).toBeGreaterThanOrEqual(before);
    expect(ids().filter((id) => id === published)).toHaveLength(1);
    // Nothing missed or doubled: once all is published, what it printed is the events log, line for line.
    await settled();
    const all = await events();
    await pipeline.eventually(
      async () => run.output.length,
      (count) => count >= all.length,
    );
    expect(run.output.map((line) => JSON.parse(line))).toEqual(all);
    // The log itself holds some events twice (repeats, README "Events": a redelivery publishes again), so
    // "none doubled" is: nothing of the snapshot printed again, nothing new printed twice.
    const [snapshot, followed] = [ids().slice(0, before), ids().slice(before)];
    expect(followed.filter((id) => snapshot.includes(id))).toEqual([]);
    expect(new Set(followed).size).toBe(followed.length);
    run.child.kill("SIGTERM");
    await run.exited;
  });
});

describe("auto-replies", () => {
  it("one reply per new SMS from the number written to, whatever its retries and redeliveries", async () => {
    const sender = freshMobile();
    const body = `PIZZA 하나 주세요 ${sequence}`;
    for (let attempt = 0; attempt < 4; attempt++) await postSms(sender, body);
    await settled();
    const record = await storedRecord(sender, body);
    expect(record.deliveryCount).toBe(4);
    // The opening arrival again, twice, as SQS redeliveries would bring it.
    const [firstArrival] = [...(record.arrivals as Set<string>)].sort();
    const [receivedAt, arrivalId] = (firstArrival ?? "").split(" ");
    await deliverToInboundProcessor(
      inboundSmsEnvelope({
        sender,
        recipient: account,
        prefix: "PIZZA",
        text: `하나 주세요 ${sequence}`,
        arrivalId: arrivalId ?? "",
        receivedAt: receivedAt ?? "",
      }),
      2,
    );
    await settled();
    const replies = replyRequests(String(record.messageId));
    expect(replies).toHaveLength(1);
    expect(replies[0]?.fields).toMatchObject({ RecvNum: e164(sender), SendNum: "0212345678", Body: replyText });
    const reply = (await pipeline.scan("sentMessages")).find((item) => item.ckey === `reply-${record.messageId}`);
    expect(reply).toMatchObject({ sendOutcome: "accepted", recipient: e164(sender), from: "+82212345678" });
  });

  it.each([
    ["a landline", "031-555-1234", account],
    ["the account's own number", ownMobile, account],
    ["a message that is the reply text itself", "mobile", account],
  ])("none to %s", async (what, from, to) => {
    const sender = from === "mobile" ? freshMobile() : from;
    const body = what.includes("reply text") ? `PIZZA ${replyText}` : `PIZZA none ${++sequence}`;
    await postSms(sender, body, to);
    await settled();
    const record = await storedRecord(sender, body);
    expect(replyRequests(String(record.messageId))).toEqual([]);
  });

  it("at most one per sender and prefix an hour: a second order gets none, another sender gets its own", async () => {
    const sender = freshMobile();
    const other = freshMobile();
    const first = `PIZZA first ${sequence}`;
    const second = `PIZZA second ${sequence}`;
    await postSms(sender, first);
    await settled();
    await postSms(sender, second);
    await postSms(other, first);
    await settled();
    const replied = async (from: string, body: string) =>
      replyRequests(String((await storedRecord(from, body)).messageId)).length;
    expect(await replied(sender, first)).toBe(1);
    expect(await replied(sender, second)).toBe(0);
    expect(await replied(other, first)).toBe(1);
  });
});
