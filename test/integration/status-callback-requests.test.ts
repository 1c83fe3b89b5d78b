/**
 * What recording a status callback costs in DynamoDB requests, counted on the processor's own
 * client as it talks to the stand-in, and what stays true once a record stops listing callbacks.
 */
import type { Context, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { maxListedCallbacks } from "../../functions/domain/delivery-report.ts";
import type { CallbackArrival } from "../../functions/domain/envelope.ts";
import type { SentMessage } from "../../functions/domain/sent-message.ts";
import { type RecordedCallback, recordStatusCallback } from "../../functions/use-cases/record-status-callback.ts";
import { statusCallbackEnvelope } from "../support/envelopes.ts";
import { startTestPipeline, type TestPipeline } from "../support/pipeline.ts";
import { shuffled } from "../support/shuffled.ts";
import { lambdaContext, sqsRecord } from "../support/sqs.ts";

let pipeline: TestPipeline;
let record: (arrival: CallbackArrival) => Promise<RecordedCallback>;
/** Every request the adapters' DynamoDB client sent (each attempt), as `GetItem deliveryReports`. */
const requests: string[] = [];

beforeAll(async () => {
  // Processors off: the test runs the use case itself, on the client the status processor uses.
  pipeline = await startTestPipeline({ processors: false });
  // The client is made at import: imported once the stack has set the endpoint, as the processor is.
  const { documentClient } = await import("../../functions/adapters/dynamodb.ts");
  const { deliveryReportStore } = await import("../../functions/adapters/delivery-report-store.ts");
  const tableIds = new Map(Object.entries(pipeline.stack.tableNames).map(([id, name]) => [name, id]));
  documentClient.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: string };
      const operation = String(context.commandName).replace(/Command$/, "");
      requests.push(`${operation} ${tableIds.get(input.TableName ?? "") ?? input.TableName}`);
      return next(args);
    },
    // After the SDK's retries, so that each attempt counts.
    { step: "finalizeRequest", priority: "low", name: "countRequests" },
  );
  const store = deliveryReportStore(pipeline.stack.tableNames);
  record = (arrival) => recordStatusCallback(arrival, store);
});

afterAll(async () => {
  await pipeline?.stop();
});

beforeEach(() => {
  requests.length = 0;
});

let msgSeq = 0;
const nextMsgId = () => `requests-${++msgSeq}`;
const t0 = Date.parse("2026-01-01T09:00:00.000Z");

function callback(msgId: string, arrivalId: string, minutes: number, status = "Success"): CallbackArrival {
  const envelope = statusCallbackEnvelope({
    arrivalId,
    msgId,
    status,
    errorCode: status === "Success" ? "200" : "999",
    receivedAt: new Date(t0 + minutes * 60_000).toISOString(),
  });
  if (envelope.kind !== "status-callback") throw new Error("statusCallbackEnvelope makes status-callback envelopes");
  return envelope.arrival;
}

/** As SQS would: a record the processor failed (here, under contention) comes again until it succeeds. */
async function recordAsSqsWould(arrival: CallbackArrival): Promise<RecordedCallback> {
  for (;;) {
    try {
      return await record(arrival);
    } catch (error) {
      if (!(error instanceof Error && error.name === "ContentionError")) throw error;
    }
  }
}

/** The requests one recording makes. */
async function requestsOf(arrival: CallbackArrival) {
  requests.length = 0;
  const recorded = await record(arrival);
  return { recorded, requests: [...requests] };
}

/** Runs `work` on every item, `lanes` at a time (the event source mapping's maximum concurrency). */
async function inLanes<T>(items: T[], lanes: number, work: (item: T) => Promise<unknown>) {
  const queue = [...items];
  const lane = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

const reportOf = async (msgId: string) =>
  (await pipeline.scan("deliveryReports")).find((item) => item.recordId === `MsgId#${msgId}`);
const markersOf = async (msgId: string) =>
  (await pipeline.scan("dedupe")).filter((item) => item.recordId === `MsgId#${msgId}`);

describe("DynamoDB requests per status callback", () => {
  it("a new callback: one read and one write of its record", async () => {
    const msgId = nextMsgId();
    const { recorded, requests } = await requestsOf(callback(msgId, `${msgId}-a`, 0));
    expect(recorded.counted).toBe(true);
    expect(requests).toEqual(["GetItem deliveryReports", "PutItem deliveryReports"]);
  });

  it("the same result again: one read and one write of its record", async () => {
    const msgId = nextMsgId();
    await record(callback(msgId, `${msgId}-a`, 0));
    const { recorded, requests } = await requestsOf(callback(msgId, `${msgId}-b`, 5));
    expect(recorded).toMatchObject({ counted: true, report: { callbackCount: 2, history: [{ count: 2 }] } });
    expect(requests).toEqual(["GetItem deliveryReports", "PutItem deliveryReports"]);
  });

  it("an SQS redelivery of a callback already counted: the read alone, nothing written", async () => {
    const msgId = nextMsgId();
    const first = callback(msgId, `${msgId}-a`, 0);
    await record(first);
    await record(callback(msgId, `${msgId}-b`, 5));
    const before = await reportOf(msgId);

    const { recorded, requests } = await requestsOf(first);
    expect(recorded.counted).toBe(false);
    expect(requests).toEqual(["GetItem deliveryReports"]);
    expect(await reportOf(msgId)).toEqual(before);
    expect(await markersOf(msgId)).toEqual([]);
  });
});

describe("a record with more callbacks than it lists", () => {
  /** Records `count` callbacks of one message, a minute apart from `fromMinute`, one at a time. */
  async function recordMany(msgId: string, count: number, fromMinute = 0) {
    for (let index = 0; index < count; index++) {
      await record(callback(msgId, `${msgId}-${fromMinute + index}`, fromMinute + index, "Sending"));
    }
  }

  it("stays bounded, and a redelivery of a callback it no longer lists is not counted again", async () => {
    const msgId = nextMsgId();
    const total = maxListedCallbacks + 20;
    await recordMany(msgId, total);
    const report = await reportOf(msgId);
    expect(report?.callbackCount).toBe(total);
    expect(report?.callbacks).toHaveLength(maxListedCallbacks);
    // A marker for each callback the record stopped listing, and for no other.
    expect((await markersOf(msgId)).map((marker) => marker.key).sort()).toEqual(
      Array.from({ length: 20 }, (_, index) => `delivery#${msgId}-${index}`).sort(),
    );

    for (const early of [0, 19]) {
      const { recorded, requests } = await requestsOf(callback(msgId, `${msgId}-${early}`, early, "Sending"));
      expect(recorded.counted).toBe(false);
      expect(requests).toEqual(["GetItem deliveryReports", "GetItem dedupe"]);
    }
    const listed = await requestsOf(callback(msgId, `${msgId}-20`, 20, "Sending"));
    expect(listed.recorded.counted).toBe(false);
    expect(listed.requests).toEqual(["GetItem deliveryReports"]);
    expect(await reportOf(msgId)).toEqual(report);
  });

  it("a new callback later than every listed one reads no marker; it marks the one it pushes out", async () => {
    const msgId = nextMsgId();
    await recordMany(msgId, maxListedCallbacks + 1);
    const { recorded, requests } = await requestsOf(callback(msgId, `${msgId}-new`, maxListedCallbacks + 1, "Sending"));
    expect(recorded.counted).toBe(true);
    expect(requests).toEqual(["GetItem deliveryReports", "PutItem dedupe", "PutItem deliveryReports"]);
    expect((await markersOf(msgId)).map((marker) => marker.key).sort()).toEqual([
      `delivery#${msgId}-0`,
      `delivery#${msgId}-1`,
    ]);
  });

  it("a late callback older than every listed one is counted once, and marked when the record is next written", async () => {
    const msgId = nextMsgId();
    await recordMany(msgId, maxListedCallbacks, 10);
    const late = callback(msgId, `${msgId}-late`, 0, "Success");

    const first = await requestsOf(late);
    expect(first.recorded).toMatchObject({ counted: true, report: { status: "Success", final: true } });
    expect(first.requests).toEqual(["GetItem deliveryReports", "PutItem deliveryReports"]);
    const again = await requestsOf(late);
    expect(again.recorded.counted).toBe(false);
    expect(again.requests).toEqual(["GetItem deliveryReports"]);
    expect(await markersOf(msgId)).toEqual([]);

    await record(callback(msgId, `${msgId}-next`, 500, "Sending"));
    expect((await markersOf(msgId)).map((marker) => marker.key).sort()).toEqual(
      [`delivery#${msgId}-late`, `delivery#${msgId}-10`].sort(),
    );
    const afterMarked = await requestsOf(late);
    expect(afterMarked.recorded.counted).toBe(false);
    expect(afterMarked.requests).toEqual(["GetItem deliveryReports", "GetItem dedupe"]);
    const report = await reportOf(msgId);
    expect(report).toMatchObject({ callbackCount: maxListedCallbacks + 2, status: "Success" });
    expect(report?.callbacks).toHaveLength(maxListedCallbacks);
    expect(report).not.toHaveProperty("callbacksToMark");
  });

  it("concurrent callbacks and redeliveries past the list's bound are each counted once", async () => {
    const msgId = nextMsgId();
    await recordMany(msgId, maxListedCallbacks - 5);
    const fresh = Array.from({ length: 30 }, (_, index) =>
      callback(msgId, `${msgId}-c${index}`, maxListedCallbacks + (index % 10) - 10, "Sending"),
    );
    const redelivered = Array.from({ length: 10 }, (_, index) =>
      callback(msgId, `${msgId}-${index}`, index, "Sending"),
    );
    await inLanes(shuffled([...fresh, ...fresh, ...redelivered], 7), 5, recordAsSqsWould);
    const report = await reportOf(msgId);
    expect(report?.callbackCount).toBe(maxListedCallbacks - 5 + 30);
    expect(report?.callbacks).toHaveLength(maxListedCallbacks);
    // Every callback counted is recognisable: listed, waiting for its marker, or marked.
    const ids = (entries: unknown) => ((entries ?? []) as { deliveryId: string }[]).map((entry) => entry.deliveryId);
    const recognisable = new Set([
      ...ids(report?.callbacks),
      ...ids(report?.callbacksToMark),
      ...(await markersOf(msgId)).map((marker) => String(marker.key).replace(/^delivery#/, "")),
    ]);
    expect(recognisable.size).toBe(report?.callbackCount);
  });
});

describe("the status processor's DynamoDB requests per callback", () => {
  type SqsHandler = (event: SQSEvent, context: Context) => Promise<{ batchItemFailures: unknown[] }>;
  let statusProcessor: SqsHandler;
  let reserve: (record: SentMessage) => Promise<unknown>;

  beforeAll(async () => {
    // Imported once the stack has set its settings, as the local stack imports it.
    ({ handler: statusProcessor } = (await import("../../functions/status-processor/handler.ts")) as unknown as {
      handler: SqsHandler;
    });
    const { sentMessageStore } = await import("../../functions/adapters/sent-message-store.ts");
    reserve = sentMessageStore(pipeline.stack.tableNames.sentMessages).reserve;
  });

  /** The status processor's handling of one queued callback, as SQS hands it out (`receive`: its receive count). */
  async function processed(arrival: { arrivalId: string; msgId: string; cKey?: string; minutes: number }, receive = 1) {
    const body = JSON.stringify(
      statusCallbackEnvelope({
        ...arrival,
        status: "Success",
        errorCode: "200",
        receivedAt: new Date(t0 + arrival.minutes * 60_000).toISOString(),
      }),
    );
    requests.length = 0;
    const response = await statusProcessor(
      { Records: [sqsRecord(arrival.arrivalId, body, { receiveCount: receive, queue: "status-callbacks" })] },
      lambdaContext("status-processor"),
    );
    expect(response.batchItemFailures).toEqual([]);
    return [...requests];
  }

  it("a callback whose CKey names no sent message: the CKey looked up once, no MsgId index; repeats read their record only", async () => {
    const msgId = nextMsgId();
    const cKey = `order-of-another-system-${msgId}`;
    expect(await processed({ arrivalId: `${msgId}-a`, msgId, cKey, minutes: 0 })).toEqual([
      "GetItem deliveryReports",
      "GetItem sentMessages",
      "PutItem deliveryReports",
    ]);
    // ToBeText repeats it: counted on the orphan, nothing looked up again.
    expect(await processed({ arrivalId: `${msgId}-b`, msgId, cKey, minutes: 5 })).toEqual([
      "GetItem deliveryReports",
      "PutItem deliveryReports",
    ]);
    // An SQS redelivery of a callback counted on an orphan: its record's read alone.
    expect(await processed({ arrivalId: `${msgId}-b`, msgId, cKey, minutes: 5 }, 2)).toEqual([
      "GetItem deliveryReports",
    ]);
    expect(await reportOf(msgId)).toMatchObject({ orphan: true, callbackCount: 2 });
    expect((await reportOf(msgId))?.sentCKey).toBeUndefined();
  });

  it("a callback naming only a MsgId this stack does not know looks it up through the index every time", async () => {
    const msgId = nextMsgId();
    for (const [index, minutes] of [0, 5].entries()) {
      expect(await processed({ arrivalId: `${msgId}-${index}`, msgId, minutes })).toEqual([
        "GetItem deliveryReports",
        "Query sentMessages",
        "PutItem deliveryReports",
      ]);
    }
    expect(await reportOf(msgId)).toMatchObject({ orphan: true, callbackCount: 2 });
  });

  it("a CKey that comes to an orphan known by its MsgId alone is looked up, and joins the message it reserved", async () => {
    // Callbacks before the send's answer: the MsgId is not stored yet, the CKey's record is.
    const msgId = nextMsgId();
    const ckey = `early-${msgId}`;
    await reserve(sentMessage(ckey));
    await processed({ arrivalId: `${msgId}-a`, msgId, minutes: 0 });
    expect(await reportOf(msgId)).toMatchObject({ orphan: true });
    await processed({ arrivalId: `${msgId}-b`, msgId, cKey: ckey, minutes: 1 });
    const report = await reportOf(msgId);
    expect(report).toMatchObject({ sentCKey: ckey, callbackCount: 2 });
    expect(report?.orphan).toBeUndefined();
    expect((await pipeline.scan("sentMessages")).find((item) => item.ckey === ckey)).toMatchObject({
      status: "delivered",
      deliveryReportId: `MsgId#${msgId}`,
    });
  });

  it("an SQS redelivery of a callback that settled its message reads its record once, then the message", async () => {
    const msgId = nextMsgId();
    const ckey = `settled-${msgId}`;
    await reserve(sentMessage(ckey));
    expect(await processed({ arrivalId: `${msgId}-a`, msgId, cKey: ckey, minutes: 0 })).toEqual([
      "GetItem deliveryReports",
      "GetItem sentMessages",
      "PutItem deliveryReports",
      "UpdateItem sentMessages",
    ]);
    // Resumed from the record the count read (its event published again), not from a second read of it.
    expect(await processed({ arrivalId: `${msgId}-a`, msgId, cKey: ckey, minutes: 0 }, 2)).toEqual([
      "GetItem deliveryReports",
      "GetItem sentMessages",
    ]);
  });
});

/** A reserved sent message still awaiting ToBeText's answer (no MsgId yet). */
function sentMessage(ckey: string): SentMessage {
  return {
    ckey,
    requestedAt: new Date(t0 - 60_000).toISOString(),
    requestId: `request-${ckey}`,
    attempt: "attempt-1",
    sendOutcome: "sending",
    status: "sending",
  };
}
