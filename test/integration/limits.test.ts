/**
 * Nothing acknowledged is lost, nothing received is dropped: requests that once got a 503 on every
 * retry, or a 200 and then a dead letter, through the whole local pipeline. The size bounds are
 * the point of running this file on DynamoDB Local too (`npm run test:dynamodb-local`): it counts
 * item sizes in UTF-8 bytes as DynamoDB does, and dynalite does not.
 */
import { XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxListedResults } from "../../functions/domain/delivery-report.ts";
import { routes } from "../../infra/topology.ts";
import {
  rawForm,
  startTestPipeline,
  type TestPipeline,
  type TestResponse,
  testUrlSecret,
} from "../support/pipeline.ts";

let pipeline: TestPipeline;
let senderSeq = 0;
/** A sender of its own for each test, so each finds its own record. */
const nextSender = () => `010-7100-${String(++senderSeq).padStart(4, "0")}`;
const e164 = (korean: string) => `+82${korean.replace(/-/g, "").slice(1)}`;
const formHeaders = { "content-type": "application/x-www-form-urlencoded" };
const jsonHeaders = { "content-type": "application/json" };

const smsForm = (sender: string, body: string | Buffer, recvNum = "821012341234") =>
  rawForm([
    ["RecvNum", recvNum],
    ["SendNum", sender],
    ["Body", body],
  ]);

/** The largest Body that keeps an inbound request within its route's limit. */
const maxBodyField = (sender: string) => routes.inboundSms.maxBodyBytes - smsForm(sender, "").length;

async function storedFrom(sender: string): Promise<Record<string, unknown>> {
  const [record] = await pipeline.eventually(
    async () => (await pipeline.scan("inboundMessages")).filter((item) => item.sender === e164(sender)),
    (items) => items.length === 1,
  );
  return record as Record<string, unknown>;
}

async function kept(response: TestResponse): Promise<Record<string, unknown>> {
  const rejectionId = String(response.result?.MsgId);
  const items = await pipeline.eventually(
    () => pipeline.scan("rejectedRequests"),
    (all) => all.some((item) => item.rejectionId === rejectionId),
  );
  return items.find((item) => item.rejectionId === rejectionId) as Record<string, unknown>;
}

beforeAll(async () => {
  pipeline = await startTestPipeline({
    settings: { TOBETEXT_PREFIXES: "TOBE", TOBETEXT_NUMBERS: "" },
    // A failure shows within seconds (two receives), while a slow write on a busy machine (the largest
    // items, on DynamoDB Local) is not taken for one: the file ends asserting nothing was dead-lettered.
    queueOverrides: { visibilityTimeoutSeconds: 5, maxReceiveCount: 2 },
  });
});

afterAll(async () => {
  // Whatever each test did, nothing may have been dead-lettered.
  expect(await pipeline.deadLetters("inboundSms")).toEqual([]);
  expect(await pipeline.deadLetters("statusCallbacks")).toEqual([]);
  await pipeline?.stop();
});

describe("content SQS refuses as it is", () => {
  it("stores an accepted SMS whose Body holds U+FFFE and U+FFFF, characters intact", async () => {
    const sender = nextSender();
    const response = await pipeline.post(
      pipeline.stack.urls.inboundSms,
      smsForm(sender, "TOBE 가\uFFFE나\uFFFF"),
      formHeaders,
    );
    expect(response.status).toBe(200);
    expect(await storedFrom(sender)).toMatchObject({ text: "가\uFFFE나\uFFFF" });
  });

  it("keeps a rejected request whose fields hold U+FFFF", async () => {
    const response = await pipeline.post(
      pipeline.stack.urls.inboundSms,
      smsForm("not a number \uFFFF", "TOBE \uFFFE"),
      formHeaders,
    );
    expect(response.status).toBe(400);
    expect(await kept(response)).toMatchObject({
      errorCode: 2004,
      fields: { SendNum: "not a number \uFFFF", Body: "TOBE \uFFFE" },
    });
  });

  it("refuses JSON nested thousands of levels deep with 2005, and keeps it", async () => {
    const deep = `{"RecvNum":"821012341234","SendNum":"01012345678","Body":"TOBE hi","X":${"[".repeat(5000)}${"]".repeat(5000)}}`;
    const response = await pipeline.post(pipeline.stack.urls.inboundSms, deep, jsonHeaders);
    expect(response.status).toBe(400);
    expect(response.result).toMatchObject({ ErrorCode: "2005" });
    expect(await kept(response)).toMatchObject({ reason: "JSON body nests deeper than 32 levels" });
  });

  it("stores a Body of control characters as large as the route takes (six bytes each once JSON-escaped)", async () => {
    const sender = nextSender();
    const controls = Buffer.alloc(maxBodyField(sender), 0x01);
    const response = await pipeline.post(pipeline.stack.urls.inboundSms, smsForm(sender, controls), formHeaders);
    expect(response.status).toBe(200);
    const record = await storedFrom(sender);
    expect(String(record.text)).toBe("\u0001".repeat(controls.length));
  });

  it("refuses 60 KB of control characters with 413 and keeps the bytes", async () => {
    const sender = nextSender();
    const response = await pipeline.post(
      pipeline.stack.urls.inboundSms,
      smsForm(sender, Buffer.alloc(60_000, 0x01)),
      formHeaders,
    );
    expect(response.status).toBe(413);
    const rejection = await kept(response);
    expect(rejection).toMatchObject({ httpStatus: 413, request: { bodyTruncated: true } });
  });

  it("answers a NUL in SendNum with well-formed XML", async () => {
    const response = await pipeline.post(
      pipeline.stack.urls.inboundSms,
      smsForm("010\u00001234", "TOBE x"),
      formHeaders,
    );
    expect(response.status).toBe(400);
    expect(XMLValidator.validate(response.text)).toBe(true);
    expect(await kept(response)).toMatchObject({ fields: { SendNum: "010\u00001234" } });
  });
});

describe("what is acknowledged can be stored", () => {
  it("refuses a status callback whose MsgId would make a key over DynamoDB's limit, and keeps it", async () => {
    const response = await pipeline.post(
      pipeline.stack.urls.statusCallback,
      rawForm([
        ["MsgId", "m".repeat(3000)],
        ["Status", "Success"],
        ["ErrorCode", "200"],
      ]),
      formHeaders,
    );
    expect(response.status).toBe(400);
    expect(response.result).toMatchObject({ ErrorCode: "2001" });
    expect(await kept(response)).toMatchObject({ reason: "MsgId is longer than 256 bytes" });
  });

  it("stores an inbound SMS whose Body is the largest the route takes, all undecodable bytes", async () => {
    const sender = nextSender();
    // 0xFF is no UTF-8 and no CP949: each is kept as base64, and rendered as 'ÿ' (two UTF-8 bytes) in the text.
    const bytes = Buffer.alloc(maxBodyField(sender), 0xff);
    const response = await pipeline.post(pipeline.stack.urls.inboundSms, smsForm(sender, bytes), formHeaders);
    expect(response.status).toBe(200);
    const record = await storedFrom(sender);
    expect(record.flags).toEqual(["UNKNOWN_PREFIX", "UNDECODABLE_BYTES"]);
    expect(Buffer.from(String((record.undecodableFields as Record<string, string>).Body), "base64").equals(bytes)).toBe(
      true,
    );
  });

  it("stores a message's every distinct result, each as large as the route takes, within one item", async () => {
    const msgId = "41aa33709703dea382c10a0578200001";
    const fieldsOf = (step: number) => {
      const fields: [string, string | Buffer][] = [
        ["MsgId", msgId],
        ["Status", "Sending"],
        ["ErrorCode", "999"],
        ["ErrorMsg", ""],
      ];
      const room = routes.statusCallback.maxBodyBytes - rawForm(fields).length - 8;
      fields[3] = ["ErrorMsg", Buffer.concat([Buffer.from(`${step}:`), Buffer.alloc(room, 0xff)])];
      return rawForm(fields);
    };
    const total = maxListedResults + 4;
    for (let step = 0; step < total; step++) {
      const response = await pipeline.post(pipeline.stack.urls.statusCallback, fieldsOf(step), formHeaders);
      expect(response.status).toBe(200);
    }
    const [report] = await pipeline.eventually(
      async () => (await pipeline.scan("deliveryReports")).filter((item) => item.msgId === msgId),
      (items) => items.length === 1 && items[0]?.callbackCount === total,
    );
    expect(report).toMatchObject({ unlistedCallbacks: 4, flags: ["RESULTS_UNLISTED"] });
    expect(report?.history).toHaveLength(maxListedResults);
  });
});

describe("the URL secret is written nowhere", () => {
  it("is in no kept rejection", async () => {
    const response = await pipeline.post(pipeline.stack.urls.inboundSms, "SendNum=x", formHeaders);
    const rejection = await kept(response);
    expect(rejection.request).toMatchObject({ routeKey: "ANY /inbound/{secret}" });
    expect(JSON.stringify(rejection)).not.toContain(testUrlSecret);
  });
});
