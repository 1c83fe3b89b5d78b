import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statusCallbackEnvelope } from "../support/envelopes.ts";
import { multipartForm, rawForm, startTestPipeline, type TestPipeline } from "../support/pipeline.ts";

let pipeline: TestPipeline;
let callbackUrl: string;
let msgSeq = 0;
/** A MsgId of its own for each test, so tests find their own records. */
const nextMsgId = () => `41aa33709703dea382c10a05782${String(++msgSeq).padStart(5, "0")}`;
const formHeaders = { "content-type": "application/x-www-form-urlencoded" };

const callback = (msgId: string, errorCode: string, extra: Record<string, string> = {}): [string, string][] =>
  Object.entries({
    CKey: `ckey-${msgId}`,
    Status: errorCode === "200" ? "Success" : "Failed",
    MsgId: msgId,
    SendNum: "821012341234",
    RecvNum: "01012345678",
    ErrorCode: errorCode,
    ErrorMsg: errorCode === "200" ? "Message successfully sent" : "Message failed",
    ...extra,
  });

const postCallback = (fields: [string, string][]) => pipeline.post(callbackUrl, rawForm(fields), formHeaders);

async function reportOf(msgId: string, done: (report: Record<string, unknown>) => boolean = () => true) {
  const [report] = await pipeline.eventually(
    async () => (await pipeline.scan("deliveryReports")).filter((item) => item.msgId === msgId),
    (items) => items.length === 1 && done(items[0] as Record<string, unknown>),
  );
  return report as Record<string, unknown>;
}

beforeAll(async () => {
  pipeline = await startTestPipeline({
    settings: { TOBETEXT_PREFIXES: "TOBE", TOBETEXT_NUMBERS: "" },
    queueOverrides: { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 },
  });
  callbackUrl = pipeline.stack.urls.statusCallback;
});

afterAll(async () => {
  await pipeline?.stop();
});

describe("a delivery record per sent message", () => {
  it("the same callback 5 times: one record, one history entry counting 5", async () => {
    const msgId = nextMsgId();
    for (let time = 0; time < 5; time++) {
      const response = await postCallback(callback(msgId, "200"));
      expect(response.status).toBe(200);
      expect(response.result).toMatchObject({ Status: "Success", ErrorCode: "200" });
    }
    const report = await reportOf(msgId, (item) => item.callbackCount === 5);
    expect(report).toMatchObject({
      recordId: `MsgId#${msgId}`,
      msgId,
      cKey: `ckey-${msgId}`,
      status: "Success",
      outcome: "delivered",
      final: true,
      errorCode: "200",
      errorMeaning: "Success: delivered",
      errorMsg: "Message successfully sent",
      callbackCount: 5,
      flags: [],
      sendNum: { asSent: "821012341234", e164: "+821012341234" },
      recvNum: { asSent: "01012345678", e164: "+821012345678" },
    });
    const history = report.history as Record<string, unknown>[];
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ status: "Success", errorCode: "200", count: 5 });
    expect(String(history[0]?.lastArrivalAt) > String(history[0]?.firstArrivalAt)).toBe(true);
    expect(report.firstCallbackAt).toBe(history[0]?.firstArrivalAt);
    expect(report.lastCallbackAt).toBe(history[0]?.lastArrivalAt);
  });

  it("20 concurrent duplicates make one history entry counting 20", async () => {
    const msgId = nextMsgId();
    const responses = await Promise.all(Array.from({ length: 20 }, () => postCallback(callback(msgId, "400"))));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    const report = await reportOf(msgId, (item) => item.callbackCount === 20);
    expect(report.history).toHaveLength(1);
    expect((report.history as Record<string, unknown>[])[0]?.count).toBe(20);
  });

  it.each([
    ["200", "delivered", "Success: delivered", true],
    ["400", "failed", "Failed", true],
    ["411", "failed", "Failed: ToBeText internal error", true],
    ["412", "failed", "Failed: other", true],
    ["999", "unknown", "Unknown error code", false],
  ])("ErrorCode %s is %s (%s)", async (errorCode, outcome, meaning, final) => {
    const msgId = nextMsgId();
    const response = await postCallback(callback(msgId, errorCode));
    expect(response.status).toBe(200);
    expect(await reportOf(msgId)).toMatchObject({ errorCode, outcome, errorMeaning: meaning, final });
  });

  it("a final result is not overwritten by a later non-final or an older result", async () => {
    const msgId = nextMsgId();
    await postCallback(callback(msgId, "999", { Status: "Pending" }));
    await reportOf(msgId);
    await postCallback(callback(msgId, "200"));
    await reportOf(msgId, (item) => item.callbackCount === 2);
    await postCallback(callback(msgId, "999", { Status: "Pending" }));
    const report = await reportOf(msgId, (item) => item.callbackCount === 3);
    expect(report).toMatchObject({ status: "Success", outcome: "delivered", final: true, flags: [] });
    expect((report.history as Record<string, unknown>[]).map((entry) => [entry.status, entry.count])).toEqual([
      ["Pending", 2],
      ["Success", 1],
    ]);
  });

  it("a conflicting final result is kept in the history and flagged, the first final stays current", async () => {
    const msgId = nextMsgId();
    await postCallback(callback(msgId, "200"));
    await reportOf(msgId);
    await postCallback(callback(msgId, "400"));
    const report = await reportOf(msgId, (item) => item.callbackCount === 2);
    expect(report).toMatchObject({ status: "Success", outcome: "delivered", flags: ["CONFLICTING_FINAL_RESULTS"] });
    expect((report.history as Record<string, unknown>[]).map((entry) => entry.outcome)).toEqual([
      "delivered",
      "failed",
    ]);
  });

  it("results processed out of order end in the same record as in order", async () => {
    // Queued straight onto the callback queue in one batch, newest first: the processor sees them out of order.
    const msgId = nextMsgId();
    const envelope = (deliveryId: string, receivedAt: string, errorCode: string, status: string) =>
      JSON.stringify(statusCallbackEnvelope({ arrivalId: deliveryId, receivedAt, msgId, errorCode, status }));
    await pipeline.enqueue("statusCallbacks", [
      envelope("c3", "2026-01-01T00:20:00.000Z", "999", "Pending"),
      envelope("c2", "2026-01-01T00:10:00.000Z", "200", "Success"),
      envelope("c1", "2026-01-01T00:05:00.000Z", "999", "Pending"),
    ]);
    const report = await reportOf(msgId, (item) => item.callbackCount === 3);
    expect(report).toMatchObject({
      status: "Success",
      final: true,
      firstCallbackAt: "2026-01-01T00:05:00.000Z",
      lastCallbackAt: "2026-01-01T00:20:00.000Z",
    });
    expect(report.history).toEqual([
      expect.objectContaining({ status: "Pending", count: 2, firstArrivalAt: "2026-01-01T00:05:00.000Z" }),
      expect.objectContaining({ status: "Success", count: 1 }),
    ]);
  });

  it("a callback identified by CKey only is stored under its CKey, with no send record needed", async () => {
    const cKey = `only-ckey-${nextMsgId()}`;
    const response = await postCallback([
      ["CKey", cKey],
      ["Status", "Success"],
      ["ErrorCode", "200"],
    ]);
    expect(response.status).toBe(200);
    const [report] = await pipeline.eventually(
      async () => (await pipeline.scan("deliveryReports")).filter((item) => item.cKey === cKey),
      (items) => items.length === 1,
    );
    expect(report).toMatchObject({ recordId: `CKey#${cKey}`, outcome: "delivered" });
    expect(report?.msgId).toBeUndefined();
  });
});

describe("every encoding the inbound route takes", () => {
  it("multipart/form-data, as PHP sends", async () => {
    const msgId = nextMsgId();
    const boundary = "------------------------1f2e3d4c5b6a7988";
    const response = await pipeline.post(callbackUrl, multipartForm(callback(msgId, "200"), boundary), {
      "content-type": `multipart/form-data; boundary=${boundary}`,
    });
    expect(response.status).toBe(200);
    expect(await reportOf(msgId)).toMatchObject({ outcome: "delivered" });
  });

  it("EUC-KR ErrorMsg, JSON and a query string", async () => {
    const eucKr = nextMsgId();
    const body = rawForm([
      ["MsgId", eucKr],
      ["Status", "Failed"],
      ["ErrorCode", "412"],
      ["ErrorMsg", iconv.encode("수신 거부", "euc-kr")],
    ]);
    expect((await pipeline.post(callbackUrl, body, formHeaders)).status).toBe(200);
    expect(await reportOf(eucKr)).toMatchObject({ errorMsg: "수신 거부", outcome: "failed" });

    const json = nextMsgId();
    const jsonResponse = await pipeline.post(
      callbackUrl,
      JSON.stringify({ MsgId: json, Status: "Success", ErrorCode: 200, ErrorMsg: "전송 성공" }),
      { "content-type": "application/json" },
    );
    expect(jsonResponse.status).toBe(200);
    expect(await reportOf(json)).toMatchObject({ errorCode: "200", errorMsg: "전송 성공" });

    const query = nextMsgId();
    const queryResponse = await pipeline.post(`${callbackUrl}?MsgId=${query}&Status=Success&ErrorCode=200`, "");
    expect(queryResponse.status).toBe(200);
    expect(await reportOf(query)).toMatchObject({ outcome: "delivered" });
  });
});

describe("bad callbacks get ToBeText's answer and are kept", () => {
  it.each([
    ["no MsgId and no CKey", "Status=Success&ErrorCode=200", formHeaders, 400, "2001"],
    ["blank MsgId and CKey", "MsgId=%20&CKey=&ErrorCode=200", formHeaders, 400, "2001"],
    ["a media type ToBeText does not send", "<xml/>", { "content-type": "application/xml" }, 415, "2005"],
    ["unreadable JSON", '{"MsgId": ', { "content-type": "application/json" }, 400, "2005"],
  ])("%s", async (_name, body, headers, status, errorCode) => {
    const response = await pipeline.post(callbackUrl, body, headers);
    expect(response.status).toBe(status);
    expect(response.result).toMatchObject({ Status: "Failed", ErrorCode: errorCode });
    const msgId = String(response.result?.MsgId);
    const kept = await pipeline.eventually(
      () => pipeline.scan("rejectedRequests"),
      (items) => items.some((item) => item.rejectionId === msgId),
    );
    expect(kept.find((item) => item.rejectionId === msgId)).toMatchObject({
      route: "statusCallback",
      httpStatus: status,
      errorCode: Number(errorCode),
    });
  });
});

describe("the status processor", () => {
  it("a failure on one callback leaves its batch-mates stored", async () => {
    const good = nextMsgId();
    await pipeline.enqueue("statusCallbacks", [
      '{"kind":"status-callback","version":1,"delivery":{"deliveryId":"poison"}}',
      JSON.stringify(
        statusCallbackEnvelope({ arrivalId: `good-${good}`, msgId: good, status: "Success", errorCode: "200" }),
      ),
      // An inbound SMS has no place on the callback queue: it fails alone too.
      JSON.stringify({ kind: "inbound-sms", version: 1, delivery: {} }),
    ]);
    expect(await reportOf(good)).toMatchObject({ outcome: "delivered" });
    // Both failures dead-lettered (other tests' dead letters may be there too: wait for these two).
    const isPoison = (body: string) => body.includes('"deliveryId":"poison"');
    const isMisplaced = (body: string) => body.includes('"kind":"inbound-sms"');
    const deadLetters = await pipeline.eventually(
      () => pipeline.deadLetters("statusCallbacks"),
      (bodies) => bodies.some(isPoison) && bodies.some(isMisplaced),
    );
    expect(deadLetters.filter((body) => isPoison(body) || isMisplaced(body))).toHaveLength(2);
  });
});
