import { FullBatchFailureError } from "@aws-lambda-powertools/batch";
import type { SQSRecord } from "aws-lambda";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { keepRejectedRequest } from "../../functions/adapters/rejected-store.ts";
import {
  type CallbackArrival,
  type Envelope,
  type InboundArrival,
  type RejectedRequest,
  serializeEnvelope,
} from "../../functions/domain/envelope.ts";
import { functionMetrics, logger } from "../../functions/observability.ts";
import { type EnvelopeHandlers, envelopeProcessor } from "../../functions/sqs/envelope-processor.ts";
import { firstVersionBodies, firstVersionPathSecret, inboundSms } from "../support/envelopes.ts";
import { captureMetrics } from "../support/metrics.ts";
import { failedIds, lambdaContext, sqsEvent, sqsRecord } from "../support/sqs.ts";

// Metrics are read back here: on before functions/observability.ts creates them (the test configuration turns them off).
vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
});

// Rejected requests go to DynamoDB; here the store is replaced and only what it is handed is checked
// (test/integration stores them for real).
vi.mock("../../functions/adapters/rejected-store.ts", () => ({ keepRejectedRequest: vi.fn(async () => {}) }));
const kept = vi.mocked(keepRejectedRequest);
beforeEach(() => kept.mockClear());

const metrics = functionMetrics();
const rejectedRequestsTable = "rejected-requests-unit";

const inboundArrival: InboundArrival = {
  arrivalId: "in-1",
  receivedAt: "2026-01-01T09:00:00.000Z",
  sms: inboundSms({ sender: "01012345678", recipient: "821098765432", prefix: "TOBE", text: "네" }),
};

const callbackArrival = (arrivalId: string): CallbackArrival => ({
  arrivalId,
  receivedAt: "2026-01-01T09:05:00.000Z",
  callback: {
    fields: { MsgId: "m-1", Status: "Success", ErrorCode: "200", ErrorMsg: "ok" },
    undecodable: {},
    charset: "utf-8",
    format: "form-urlencoded",
    msgId: "m-1",
    status: "Success",
    errorCode: "200",
    errorMeaning: "Success: delivered",
    outcome: "delivered",
    errorMsg: "ok",
  },
});

const rejected: RejectedRequest = {
  rejectionId: "r-1",
  route: "statusCallback",
  receivedAt: "2026-01-01T09:06:00.000Z",
  httpStatus: 405,
  errorCode: 405,
  reason: "Method GET is not allowed; ToBeText posts",
  request: {
    method: "GET",
    routeKey: "ANY /status-callback/{secret}",
    rawQueryString: "",
    headers: {},
    sourceIp: "203.0.113.7",
    bodyBase64: "",
    bodyBytes: 0,
    bodyTruncated: false,
  },
};

const inboundEnvelope: Envelope = { kind: "inbound-sms", version: 2, arrival: inboundArrival };
const callbackEnvelope = (arrivalId: string): Envelope => ({
  kind: "status-callback",
  version: 2,
  arrival: callbackArrival(arrivalId),
});
const rejectedEnvelope: Envelope = { kind: "rejected-request", version: 2, rejected };

const record = (messageId: string, envelope: Envelope | string) =>
  sqsRecord(messageId, typeof envelope === "string" ? envelope : serializeEnvelope(envelope), { queue: "status" });

/** A processor for `handlers`, invoked as Lambda invokes it. */
function processorFor<K extends "inbound-sms" | "status-callback">(handlers: EnvelopeHandlers<K>) {
  const handler = envelopeProcessor({ settings: { logLevel: "silent" }, rejectedRequestsTable, metrics }, handlers);
  return (...records: SQSRecord[]) => handler(sqsEvent(...records), lambdaContext("processor"));
}

/** A processor for both kinds that records the arrivals it is handed. */
function recordingProcessor() {
  const inbound: InboundArrival[] = [];
  const callbacks: CallbackArrival[] = [];
  const process = processorFor({
    "inbound-sms": async (envelope) => void inbound.push(envelope.arrival),
    "status-callback": async (envelope) => void callbacks.push(envelope.arrival),
  });
  return { process, inbound, callbacks };
}

describe("envelopeProcessor", () => {
  it("hands each envelope to the handler for its kind", async () => {
    const { process, inbound, callbacks } = recordingProcessor();

    const response = await process(
      record("m1", callbackEnvelope("cb-1")),
      record("m2", inboundEnvelope),
      record("m3", callbackEnvelope("cb-2")),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(inbound).toEqual([inboundArrival]);
    expect(callbacks.map((arrival) => arrival.arrivalId).sort()).toEqual(["cb-1", "cb-2"]);
    expect(callbacks.find((arrival) => arrival.arrivalId === "cb-1")).toEqual(callbackArrival("cb-1"));
  });

  it("keeps a rejected request in the rejected-requests table, whichever queue it came on", async () => {
    const inbound: string[] = [];
    const process = processorFor({ "inbound-sms": async (envelope) => void inbound.push(envelope.arrival.arrivalId) });
    const response = await process(record("m1", rejectedEnvelope), record("m2", inboundEnvelope));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(kept.mock.calls).toEqual([[rejectedRequestsTable, rejected]]);
    expect(inbound).toEqual(["in-1"]);
  });

  it("fails a rejected request that could not be kept, and only it", async () => {
    kept.mockRejectedValueOnce(new Error("table unavailable"));
    const process = processorFor({ "status-callback": async () => {} });
    const response = await process(record("rejected", rejectedEnvelope), record("ok", callbackEnvelope("cb-1")));
    expect(failedIds(response)).toEqual(["rejected"]);
  });

  it.each([
    [
      "an inbound SMS on a queue that handles only status callbacks",
      { "status-callback": async () => {} },
      inboundEnvelope,
      callbackEnvelope("cb-1"),
    ],
    [
      "a status callback on a queue that handles only inbound SMS",
      { "inbound-sms": async () => {} },
      callbackEnvelope("cb-1"),
      inboundEnvelope,
    ],
  ] as const)("fails %s, and only it", async (_label, handlers, stray, belonging) => {
    const handled: string[] = [];
    const process = processorFor(
      Object.fromEntries(
        Object.keys(handlers).map((kind) => [
          kind,
          async (envelope: Envelope) => void handled.push("arrival" in envelope ? envelope.arrival.arrivalId : ""),
        ]),
      ) as EnvelopeHandlers<"inbound-sms" | "status-callback">,
    );
    const response = await process(record("ok-1", belonging), record("stray", stray), record("ok-2", belonging));
    expect(failedIds(response)).toEqual(["stray"]);
    expect(handled).toHaveLength(2);
  });

  it.each([
    ["not JSON", "{not json"],
    ["an empty body", ""],
    ["JSON that is no envelope", JSON.stringify({ hello: "world" })],
    ["an unknown kind", JSON.stringify({ ...callbackEnvelope("x"), kind: "delivery-receipt" })],
    ["a version 3 envelope", JSON.stringify({ ...callbackEnvelope("x"), version: 3 })],
    ["a status callback without its arrival", JSON.stringify({ kind: "status-callback", version: 2 })],
    ["a version 1 status callback without its delivery", JSON.stringify({ kind: "status-callback", version: 1 })],
  ])("fails a malformed body (%s) alone", async (_label, body) => {
    const callbacks: string[] = [];
    const process = processorFor({
      "status-callback": async (envelope) => void callbacks.push(envelope.arrival.arrivalId),
    });

    const response = await process(
      record("ok-1", callbackEnvelope("cb-1")),
      record("bad", body),
      record("ok-2", callbackEnvelope("cb-2")),
    );

    expect(failedIds(response)).toEqual(["bad"]);
    expect(callbacks.sort()).toEqual(["cb-1", "cb-2"]);
  });

  it("processes every record and reports exactly the ones whose handler failed", async () => {
    const processed: string[] = [];
    const process = processorFor({
      "status-callback": async ({ arrival }) => {
        processed.push(arrival.arrivalId);
        if (arrival.arrivalId === "cb-2") throw new Error("store unavailable");
        if (arrival.arrivalId === "cb-4") throw new TypeError("bad record");
      },
    });
    const response = await process(
      ...["m1", "m2", "m3", "m4"].map((id, index) => record(id, callbackEnvelope(`cb-${index + 1}`))),
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }, { itemIdentifier: "m4" }] });
    expect(processed.sort()).toEqual(["cb-1", "cb-2", "cb-3", "cb-4"]);
  });

  it("reports a record whose handler rejects with a non-Error value", async () => {
    const process = processorFor({
      "status-callback": ({ arrival }) =>
        arrival.arrivalId === "cb-2" ? Promise.reject("just a string") : Promise.resolve(),
    });
    const response = await process(record("m1", callbackEnvelope("cb-1")), record("m2", callbackEnvelope("cb-2")));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }] });
  });

  it("reports every kind of failure in one batch", async () => {
    const process = processorFor({ "status-callback": async () => {} });
    const response = await process(
      record("malformed", "null"),
      record("ok", callbackEnvelope("cb-1")),
      record("stray", inboundEnvelope),
    );
    expect(failedIds(response)).toEqual(["malformed", "stray"]);
  });

  it.each([
    ["every handler fails", ["m1", "m2", "m3"], () => Promise.reject(new Error("down"))],
    ["every handler rejects with a non-Error value", ["m1", "m2"], () => Promise.reject("down")],
    ["the only record fails", ["m1"], () => Promise.reject(new Error("down"))],
  ])("fails the invocation itself when %s, so the errors alarm sees it", async (_label, ids, handle) => {
    const seen: string[] = [];
    const process = processorFor({
      "status-callback": ({ arrival }) => {
        seen.push(arrival.arrivalId);
        return handle();
      },
    });
    await expect(process(...ids.map((id) => record(id, callbackEnvelope(id))))).rejects.toThrow(FullBatchFailureError);
    expect(seen.sort()).toEqual(ids);
  });

  it("fails the invocation when every record is malformed", async () => {
    const process = processorFor({ "status-callback": async () => {} });
    await expect(process(record("bad-1", "{"), record("bad-2", "null"))).rejects.toThrow(FullBatchFailureError);
  });

  it("answers an empty batch with no failures", async () => {
    const process = processorFor({ "status-callback": async () => {} });
    await expect(process()).resolves.toEqual({ batchItemFailures: [] });
  });

  it("writes no warning for an invocation that counted nothing (an SQS redelivery, say)", async () => {
    const warn = vi.spyOn(logger, "warn");
    const process = processorFor({ "status-callback": async () => {} });
    await process(record("m1", callbackEnvelope("cb-1")));
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it.each([
    ["some records fail", ["cb-1", "cb-2", "{"], 2],
    ["every record fails, and the invocation with them", ["cb-2", "{", "cb-3"], 3],
  ])("counts each failed record once under RecordsFailed when %s", async (_label, bodies, failed) => {
    const process = processorFor({
      "status-callback": async ({ arrival }) => {
        if (arrival.arrivalId !== "cb-1") throw new Error("down");
      },
    });
    const captured = captureMetrics();
    await process(...bodies.map((body, index) => record(`m${index}`, body === "{" ? body : callbackEnvelope(body))))
      .catch((error: unknown) => expect(error).toBeInstanceOf(FullBatchFailureError))
      .finally(() => captured.restore());
    expect(captured.values("RecordsFailed")).toEqual(
      Array.from({ length: failed }, () => ({ value: 1, dimensions: { service: "local" } })),
    );
  });
});

describe("envelopeProcessor: envelopes written by the previous version", () => {
  // Receivers and processors of two versions overlap during a deploy, and a dead letter may be
  // redriven days later: version 1 bodies, exactly as queued, are still processed.
  it("hands version 1 inbound SMS and status callbacks to their handlers in the current shape", async () => {
    const { process, inbound, callbacks } = recordingProcessor();

    const response = await process(
      record("sms", firstVersionBodies.inboundSms),
      record("sms-without-body", firstVersionBodies.inboundSmsWithoutBody),
      record("callback", firstVersionBodies.statusCallback),
      record("current", inboundEnvelope),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(inbound.map((arrival) => arrival.arrivalId).sort()).toEqual([
      "0123456789abcdef0123456789abcdef",
      "11111111111111111111111111111111",
      "in-1",
    ]);
    expect(inbound.find((arrival) => arrival.arrivalId.startsWith("0123"))).toEqual({
      arrivalId: "0123456789abcdef0123456789abcdef",
      receivedAt: "2026-01-01T09:00:00.000Z",
      sms: inboundSms({ sender: "010-1234-5678", recipient: "821098765432", prefix: "TOBE", text: "안녕하세요" }),
    });
    for (const arrival of inbound) expect(arrival.sms).not.toHaveProperty("body");
    expect(callbacks).toMatchObject([
      { arrivalId: "fedcba9876543210fedcba9876543210", callback: { msgId: "m-1", outcome: "delivered" } },
    ]);
    expect(callbacks[0]).not.toHaveProperty("deliveryId");
  });

  it("keeps version 1 rejected requests with the route template, never the path that held the URL secret", async () => {
    const process = processorFor({ "status-callback": async () => {} });
    const response = await process(
      record("with-path", firstVersionBodies.rejectedRequestWithPath),
      record("with-route-key", firstVersionBodies.rejectedRequestWithRouteKey),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    const keptRequests = kept.mock.calls.map(([table, request]) => ({ table, request }));
    expect(keptRequests.map(({ table }) => table)).toEqual([rejectedRequestsTable, rejectedRequestsTable]);
    expect(keptRequests.map(({ request }) => [request.rejectionId, request.request.routeKey]).sort()).toEqual([
      ["00000000000000000000000000000001", ""],
      ["00000000000000000000000000000002", "ANY /status-callback/{secret}"],
    ]);
    expect(JSON.stringify(kept.mock.calls)).not.toContain(firstVersionPathSecret);
  });
});
