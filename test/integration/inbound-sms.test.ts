import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routes } from "../../infra/topology.ts";
import { inboundSmsEnvelope } from "../support/envelopes.ts";
import { listedArrivals, multipartForm, rawForm, startTestPipeline, type TestPipeline } from "../support/pipeline.ts";

const receivingNumber = "821012341234";
let pipeline: TestPipeline;
let inboundUrl: string;
let senderSeq = 0;
/** A sender number of its own for each test, so tests find their own records. */
const nextSender = () => `010-7000-${String(++senderSeq).padStart(4, "0")}`;
const e164 = (korean: string) => `+82${korean.replace(/-/g, "").slice(1)}`;

const formHeaders = { "content-type": "application/x-www-form-urlencoded" };
/** The three fields ToBeText sends, as raw bytes (curl -d): Body as given, text or bytes. */
const smsForm = (sender: string, body: string | Buffer) =>
  rawForm([
    ["RecvNum", receivingNumber],
    ["SendNum", sender],
    ["Body", body],
  ]);

async function messagesFrom(sender: string) {
  return (await pipeline.scan("inboundMessages")).filter((item) => item.sender === e164(sender));
}

async function storedMessage(sender: string) {
  const [record] = await pipeline.eventually(
    () => messagesFrom(sender),
    (items) => items.length > 0,
  );
  return record as Record<string, unknown>;
}

async function rejectionOf(msgId: string) {
  const items = await pipeline.eventually(
    () => pipeline.scan("rejectedRequests"),
    (all) => all.some((item) => item.rejectionId === msgId),
  );
  return items.find((item) => item.rejectionId === msgId) as Record<string, unknown>;
}

beforeAll(async () => {
  pipeline = await startTestPipeline({
    settings: {
      TOBETEXT_PREFIXES: "TOBE,TOBETEXT",
      TOBETEXT_NUMBERS: `${receivingNumber},01099990000`,
      DEDUPE_WINDOW_SECONDS: "3600",
    },
    queueOverrides: { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 },
  });
  inboundUrl = pipeline.stack.urls.inboundSms;
});

afterAll(async () => {
  await pipeline?.stop();
});

describe("the provider's sample clients, byte for byte", () => {
  it("curl -d: urlencoded with raw UTF-8 bytes", async () => {
    const sender = nextSender();
    const body = smsForm(sender, "TOBE 안녕하세요 curl");
    const response = await pipeline.post(inboundUrl, body, {
      ...formHeaders,
      "user-agent": "curl/7.88.1",
      accept: "*/*",
    });

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/xml; charset=utf-8");
    expect(response.result).toMatchObject({
      Status: "Success",
      SendNum: sender,
      RecvNum: receivingNumber,
      ErrorCode: "200",
    });
    expect(String(response.result?.MsgId)).toMatch(/^[0-9a-f]{32}$/);

    const record = await storedMessage(sender);
    expect(record).toMatchObject({
      messageId: String(record.fingerprint).slice(0, 32),
      arrivals: new Set([`${record.firstArrivalAt} ${response.result?.MsgId}`]),
      sender: e164(sender),
      senderAsSent: sender,
      recipient: "+821012341234",
      recipientAsSent: receivingNumber,
      prefix: "TOBE",
      text: "안녕하세요 curl",
      fields: { RecvNum: receivingNumber, SendNum: sender, Body: "TOBE 안녕하세요 curl" },
      charset: "utf-8",
      bodyFormat: "form-urlencoded",
      deliveryCount: 1,
      flags: [],
    });
    // Body is kept once, in fields: a copy beside it would take the record's size bound with it.
    expect(record).not.toHaveProperty("body");
    expect(record.firstArrivalAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("Java HttpURLConnection + writeBytes: low byte of each char, no charset", async () => {
    const sender = nextSender();
    const parameters = `RecvNum=${receivingNumber}&SendNum=${sender.replace(/-/g, "")}&Body=tobetext hello from java`;
    const writeBytes = Buffer.from([...parameters].map((char) => char.charCodeAt(0) & 0xff));
    const response = await pipeline.post(inboundUrl, writeBytes, {
      "user-agent": "Mozilla/5.0",
      "accept-language": "en-US,en;q=0.5",
      "content-type": "application/x-www-form-urlencoded",
      accept: "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2",
    });

    expect(response.status).toBe(200);
    const record = await storedMessage(sender);
    // Longest prefix wins, case-insensitively, reported as configured.
    expect(record).toMatchObject({ prefix: "TOBETEXT", text: "hello from java", charset: "ascii" });
  });

  it("PHP curl with an array: multipart/form-data with extra fields, all kept", async () => {
    const sender = nextSender();
    const boundary = "------------------------d74496d66958873e";
    const fields: [string, string][] = [
      ["Ckey", "customer-msg-0001"],
      ["RecvNum", receivingNumber],
      ["SendNum", sender],
      ["Body", "TOBE 메시지본문 php"],
      ["Cid", "cid-123"],
      ["token", "token-abc"],
      ["callback", "http://yourdomain.com/recv/"],
    ];
    const response = await pipeline.post(inboundUrl, multipartForm(fields, boundary), {
      "content-type": `multipart/form-data; boundary=${boundary}`,
    });

    expect(response.status).toBe(200);
    const record = await storedMessage(sender);
    expect(record.fields).toEqual(Object.fromEntries(fields));
    expect(record).toMatchObject({ prefix: "TOBE", text: "메시지본문 php", bodyFormat: "multipart" });
  });
});

describe("other request shapes", () => {
  it("percent-encoded UTF-8 form", async () => {
    const sender = nextSender();
    const body = new URLSearchParams({ RecvNum: receivingNumber, SendNum: sender, Body: "tobe 퍼센트 인코딩+plus" });
    const response = await pipeline.post(inboundUrl, body.toString(), formHeaders);
    expect(response.status).toBe(200);
    expect(await storedMessage(sender)).toMatchObject({ prefix: "TOBE", text: "퍼센트 인코딩+plus" });
  });

  it("a query string with no body", async () => {
    const sender = nextSender();
    const query = new URLSearchParams({ RecvNum: receivingNumber, SendNum: sender, Body: "TOBE 쿼리" });
    const response = await pipeline.post(`${inboundUrl}?${query}`, "");
    expect(response.status).toBe(200);
    expect(await storedMessage(sender)).toMatchObject({ text: "쿼리", bodyFormat: "query-only" });
  });

  it("JSON, with every field kept", async () => {
    const sender = nextSender();
    const response = await pipeline.post(
      inboundUrl,
      JSON.stringify({ RecvNum: receivingNumber, SendNum: sender, Body: "TOBE 제이슨", MsgId: 42 }),
      { "content-type": "application/json" },
    );
    expect(response.status).toBe(200);
    const record = await storedMessage(sender);
    expect(record).toMatchObject({ text: "제이슨", bodyFormat: "json" });
    expect(record.fields).toMatchObject({ MsgId: "42" });
  });
});

describe("text arrives intact whatever the encoding", () => {
  const cases: [string, (text: string) => Buffer, string, string][] = [
    ["EUC-KR", (text) => iconv.encode(text, "euc-kr"), "TOBE 안녕하세요 반갑습니다", "cp949"],
    ["CP949-only syllable 똠 (8C 63)", (text) => iconv.encode(text, "cp949"), "TOBE 똠방각하", "cp949"],
    ["emoji", (text) => Buffer.from(text, "utf8"), "TOBE 좋아요 😀👍🏽", "utf-8"],
    [
      "long LMS text",
      (text) => Buffer.from(text, "utf8"),
      `TOBE ${"가나다라마바사아자차카타파하".repeat(50)}`,
      "utf-8",
    ],
  ];
  it.each(cases)("%s", async (_name, encode, bodyText, charset) => {
    const sender = nextSender();
    const body = smsForm(sender, encode(bodyText));
    const response = await pipeline.post(inboundUrl, body, formHeaders);
    expect(response.status).toBe(200);
    const record = await storedMessage(sender);
    expect((record.fields as Record<string, string>).Body).toBe(bodyText);
    expect(record.charset).toBe(charset);
    expect(record.flags).toEqual([]);
  });

  it("EUC-KR percent-encoded with the charset declared", async () => {
    const sender = nextSender();
    const encoded = [...iconv.encode("TOBE 한글", "euc-kr")]
      .map((byte) => `%${byte.toString(16).toUpperCase()}`)
      .join("");
    const body = `RecvNum=${receivingNumber}&SendNum=${sender}&Body=${encoded}`;
    const response = await pipeline.post(inboundUrl, body, {
      "content-type": "application/x-www-form-urlencoded; charset=euc-kr",
    });
    expect(response.status).toBe(200);
    expect(await storedMessage(sender)).toMatchObject({ text: "한글", charset: "euc-kr" });
  });

  it("bytes that decode as nothing are kept as received and flagged", async () => {
    const sender = nextSender();
    const undecodable = Buffer.from([0x54, 0x4f, 0x42, 0x45, 0x20, 0xff, 0xfe, 0x80, 0x41]);
    const body = smsForm(sender, undecodable);
    const response = await pipeline.post(inboundUrl, body, formHeaders);
    expect(response.status).toBe(200);
    const record = await storedMessage(sender);
    expect(record.flags).toEqual(["UNDECODABLE_BYTES"]);
    expect(record.undecodableFields).toEqual({ Body: undecodable.toString("base64") });
    expect(JSON.stringify(record.fields)).not.toContain("\uFFFD");
  });

  it("a Body with no known prefix is kept whole, prefix empty, flagged", async () => {
    const sender = nextSender();
    const response = await pipeline.post(inboundUrl, smsForm(sender, "HELLO 접두어 없음"), formHeaders);
    expect(response.status).toBe(200);
    expect(await storedMessage(sender)).toMatchObject({
      prefix: "",
      text: "HELLO 접두어 없음",
      flags: ["UNKNOWN_PREFIX"],
    });
  });
});

describe("retries never double-count", () => {
  it("a delivery and its 3 retries make one record counting 4", async () => {
    const sender = nextSender();
    const body = smsForm(sender, "TOBE 재시도");
    const msgIds: unknown[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const response = await pipeline.post(inboundUrl, body, formHeaders);
      expect(response.status).toBe(200);
      msgIds.push(response.result?.MsgId);
    }
    const [record, ...others] = await pipeline.eventually(
      () => messagesFrom(sender),
      (items) => items.length > 0 && items[0]?.deliveryCount === 4,
    );
    expect(others).toEqual([]);
    expect(record?.deliveryCount).toBe(4);
    // Each arrival listed as "<receivedAt> <id>", the id the MsgId answered to it.
    const arrivals = listedArrivals(record);
    expect(arrivals.map((entry) => entry.split(" ")[1]).sort()).toEqual([...msgIds].sort());
    expect(arrivals.every((entry) => entry >= String(record?.firstArrivalAt))).toBe(true);
  });

  it("20 concurrent identical deliveries make one record counting 20", async () => {
    const sender = nextSender();
    const body = smsForm(sender, "TOBE 동시");
    const responses = await Promise.all(Array.from({ length: 20 }, () => pipeline.post(inboundUrl, body, formHeaders)));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    const records = await pipeline.eventually(
      () => messagesFrom(sender),
      (items) => items.reduce((sum, item) => sum + Number(item.deliveryCount), 0) >= 20,
    );
    expect(records).toHaveLength(1);
    expect(records[0]?.deliveryCount).toBe(20);
  });

  it("an SQS redelivery of the same delivery is not counted again", async () => {
    const sender = nextSender();
    const response = await pipeline.post(inboundUrl, smsForm(sender, "TOBE 재전달"), formHeaders);
    await storedMessage(sender);
    // The queue's own at-least-once delivery: the very same envelope, twice more.
    const record = await storedMessage(sender);
    const envelope = JSON.stringify(
      inboundSmsEnvelope({
        arrivalId: String(response.result?.MsgId),
        receivedAt: String(record.firstArrivalAt),
        sender,
        recipient: receivingNumber,
        prefix: "TOBE",
        text: "재전달",
        fields: record.fields as Record<string, string>,
      }),
    );
    await pipeline.enqueue("inboundSms", [envelope, envelope]);
    // Both copies taken from the queue and settled: nothing visible, nothing in flight.
    await pipeline.eventually(
      () => pipeline.queueDepth(),
      (depth) => depth === 0,
    );
    await pipeline.stack.idle();
    const records = await messagesFrom(sender);
    expect(records).toHaveLength(1);
    expect(records[0]?.deliveryCount).toBe(1);
  });
});

describe("bad input gets ToBeText's answer and is kept with its reason", () => {
  const cases: [string, () => [Buffer | string, Record<string, string>], number, string, string][] = [
    [
      "SendNum missing",
      () => [`RecvNum=${receivingNumber}&Body=TOBE x`, formHeaders],
      400,
      "2004",
      "SendNum is missing",
    ],
    [
      "SendNum not a phone number",
      () => [`RecvNum=${receivingNumber}&SendNum=12ab&Body=TOBE x`, formHeaders],
      400,
      "2004",
      "SendNum is not a valid phone number",
    ],
    ["RecvNum missing", () => ["SendNum=01012345678&Body=TOBE x", formHeaders], 400, "2004", "RecvNum is missing"],
    [
      "RecvNum not one of ours",
      () => ["RecvNum=01055554444&SendNum=01012345678&Body=TOBE x", formHeaders],
      400,
      "2004",
      "RecvNum is not one of this receiver's numbers",
    ],
    [
      "Body missing",
      () => [`RecvNum=${receivingNumber}&SendNum=01012345678`, formHeaders],
      400,
      "2005",
      "Body is missing",
    ],
    [
      "Body empty",
      () => [`RecvNum=${receivingNumber}&SendNum=01012345678&Body=%20`, formHeaders],
      400,
      "2005",
      "Body is empty",
    ],
    ["unreadable JSON", () => ['{"RecvNum": ', { "content-type": "application/json" }], 400, "2005", ""],
    [
      "body over the limit",
      () => [`RecvNum=${receivingNumber}&SendNum=01012345678&Body=${"x".repeat(70_000)}`, formHeaders],
      413,
      "413",
      "exceeds",
    ],
  ];

  it.each(cases)("%s", async (_name, request, status, errorCode, reason) => {
    const [body, headers] = request();
    const response = await pipeline.post(inboundUrl, body, headers);
    expect(response.status).toBe(status);
    expect(response.result).toMatchObject({ Status: "Failed", ErrorCode: errorCode });
    expect(String(response.result?.ErrorMsg)).toContain(reason);

    const kept = await rejectionOf(String(response.result?.MsgId));
    expect(kept).toMatchObject({ route: "inboundSms", httpStatus: status, errorCode: Number(errorCode) });
    expect(String(kept.reason)).toContain(reason);
    const keptBody = Buffer.from(String((kept.request as { bodyBase64: string }).bodyBase64), "base64");
    expect(keptBody.equals(Buffer.from(body).subarray(0, routes.inboundSms.maxBodyBytes))).toBe(true);
  });

  it("a wrong method gets 405 and is kept", async () => {
    const response = await fetch(inboundUrl, { method: "GET" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    const text = await response.text();
    const msgId = /<MsgId>([0-9a-f]{32})<\/MsgId>/.exec(text)?.[1];
    expect(msgId).toBeDefined();
    expect(await rejectionOf(String(msgId))).toMatchObject({ httpStatus: 405, request: { method: "GET" } });
  });
});

describe("the processor", () => {
  it("dead-letters a poison record while its batch-mates are stored", async () => {
    const sender = nextSender();
    const good = (text: string, deliveryId: string) =>
      JSON.stringify(
        inboundSmsEnvelope({ arrivalId: deliveryId, sender, recipient: receivingNumber, prefix: "TOBE", text }),
      );
    await pipeline.enqueue("inboundSms", [
      good("첫째", "a".repeat(32)),
      '{"kind":"inbound-sms","version":1,"delivery":{"deliveryId":"x"}}',
      good("둘째", "b".repeat(32)),
    ]);

    const stored = await pipeline.eventually(
      () => messagesFrom(sender),
      (items) => items.length === 2,
    );
    expect(stored.map((item) => item.text).sort()).toEqual(["둘째", "첫째"]);
    const deadLetters = await pipeline.eventually(
      () => pipeline.deadLetters(),
      (bodies) => bodies.some((body) => body.includes('"deliveryId":"x"')),
    );
    expect(deadLetters.some((body) => body.includes('"deliveryId":"x"'))).toBe(true);
  });
});
