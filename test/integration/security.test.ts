import { request as httpRequest } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sendCredentialSettings } from "../../infra/topology.ts";
import { rawForm, startTestPipeline, type TestPipeline } from "../support/pipeline.ts";

const currentSecret = "current-secret-ABCDEFGHIJ0123";
const previousSecret = "previous-secret-KLMNOPQRST4567";
const koreanPrefix = "토비텍스트고객센터알림";
const formHeaders = { "content-type": "application/x-www-form-urlencoded" };
let pipeline: TestPipeline;
let base: string;
/** What the functions wrote to stdout and stderr: they run in this process, as on Lambda in theirs. */
let output: string[] = [];
const originalWrites = {
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};

beforeAll(async () => {
  // Logs and metrics on, as deployed: this file checks what they say.
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
  pipeline = await startTestPipeline({
    settings: {
      // A Korean prefix too, longer than any ToBeText sells: the log lines' worst case below.
      TOBETEXT_PREFIXES: `TOBE,${koreanPrefix}`,
      TOBETEXT_NUMBERS: "",
      TOBETEXT_URL_SECRETS: `${currentSecret},${previousSecret}`,
      LOG_LEVEL: "info",
    },
  });
  base = pipeline.stack.urls.inboundSms.replace(/[^/]+$/, "");
  // Kept for the assertions, not echoed: the test run's own output stays readable.
  const capture = (chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
});

afterEach(() => {
  output = [];
});

afterAll(async () => {
  process.stdout.write = originalWrites.stdout;
  process.stderr.write = originalWrites.stderr;
  await pipeline?.stop();
});

const sms = (sender: string, text: string) =>
  rawForm([
    ["RecvNum", "821012341234"],
    ["SendNum", sender],
    ["Body", `TOBE ${text}`],
  ]);

const metricLines = (name: string) =>
  output.filter((line) => line.includes('"_aws"')).filter((line) => JSON.parse(line)[name] !== undefined);

describe("the URL secret", () => {
  it.each([
    ["no secret", ""],
    ["a wrong secret", "wrong-secret-ABCDEFGHIJ0123"],
    ["the secret in another case", currentSecret.toLowerCase()],
  ])(
    "%s: 404 as if there were no such route, counted, logged without the body, never enqueued",
    async (_name, secret) => {
      // No secret: the bare path, which is routed to the function so that it can count the attempt.
      const url = secret === "" ? base.replace(/\/$/, "") : `${base}${secret}`;
      const response = await pipeline.post(url, sms("01070009999", "위조 메시지"), formHeaders);
      expect(response.status).toBe(404);
      expect(JSON.parse(response.text)).toEqual({ message: "Not Found" });

      const denied = metricLines("Denied");
      expect(denied).toHaveLength(1);
      expect(JSON.parse(denied[0] ?? "{}")).toMatchObject({ route: "inboundSms", Denied: 1 });
      const logged = output.filter((line) => line.includes("request denied"));
      expect(logged).toHaveLength(1);
      expect(logged.join("")).not.toMatch(/위조|01070009999|1070009999/);

      expect(await pipeline.queueDepth()).toBe(0);
      expect(await pipeline.scan("rejectedRequests")).toEqual([]);
      expect(await pipeline.scan("inboundMessages")).toEqual([]);
    },
  );

  it("accepts the current and the previous secret at once, so it can be rotated without losing a message", async () => {
    for (const [index, secret] of [currentSecret, previousSecret].entries()) {
      const response = await pipeline.post(`${base}${secret}`, sms(`0107000100${index}`, "회전"), formHeaders);
      expect(response.status).toBe(200);
    }
    await pipeline.eventually(
      () => pipeline.scan("inboundMessages"),
      (items) => items.length === 2,
    );
  });
});

describe("logs", () => {
  it("carry no phone number and no message text at info level, for accepted and rejected requests alike", async () => {
    const url = pipeline.stack.urls.inboundSms;
    expect((await pipeline.post(url, sms("010-7777-8888", "아주 개인적인 내용"), formHeaders)).status).toBe(200);
    const rejected = rawForm([
      ["RecvNum", "821012341234"],
      ["SendNum", "not-a-number-5555"],
      ["Body", "TOBE 거절된 개인 내용"],
    ]);
    expect((await pipeline.post(url, rejected, formHeaders)).status).toBe(400);
    // Both processed: the stored SMS and the kept rejection (whose line must not come after this test).
    await pipeline.eventually(
      async () =>
        ["inbound SMS stored", "rejected request kept"].map((message) => output.some((line) => line.includes(message))),
      (seen) => seen.every(Boolean),
    );

    const logs = output.filter((line) => line.startsWith('{"level"')).join("\n");
    expect(logs).toContain("inbound SMS stored");
    expect(logs).toContain("request rejected");
    for (const personal of ["7777", "77778888", "010-7777-8888", "아주 개인적인", "거절된 개인", "5555"]) {
      expect(logs).not.toContain(personal);
    }
  });
});

describe("log lines: one per message (the processor's), at most 400 bytes", () => {
  type LogLine = Record<string, unknown> & { bytes: number };
  /** The JSON log lines written so far (EMF documents aside), with their size in bytes. */
  const logLines = (): LogLine[] =>
    output
      .join("")
      .split("\n")
      .filter((line) => line.startsWith("{") && !line.includes('"_aws"'))
      .map((line) => ({ ...(JSON.parse(line) as Record<string, unknown>), bytes: Buffer.byteLength(line, "utf8") }));
  /** A cold start's line says so as well: the bound holds for it too. */
  const bytesOnColdStart = (line: LogLine) =>
    line.bytes + (line.cold_start === true ? 0 : Buffer.byteLength(',"cold_start":true'));
  const emfDocuments = () =>
    output
      .join("")
      .split("\n")
      .filter((line) => line.includes('"_aws"'));
  /** Waits for the processor's line naming this arrival, then for anything else it might still write. */
  async function processed(id: string) {
    await pipeline.eventually(
      async () => logLines().some((line) => line.arrivalId === id || line.rejectionId === id),
      (done) => done,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  // The longest of everything a line shows: numbers of 16 digits (as long as libphonenumber takes;
  // "00" for "+", which a form reads as a space), a text of 12,000 characters (its length in five
  // digits: the route takes 32 KiB), a field undecodable, ids and codes at their limits.
  const longNumber = "004915123456789012";
  const undecodable = Buffer.from([0xff, 0xfe, 0x80]);
  const longText = "안녕하세요 ".repeat(2000);

  it.each([
    ["an SMS with a Korean prefix and bytes undecodable in another field", `${koreanPrefix} ${longText}`],
    ["an SMS with no known prefix, both flags", longText],
    // Its line also says what the opt-out did (`opt`): never the number or the text.
    ["an opt-out (수신거부) with no known prefix, both flags", "수신 거부"],
  ])("%s", async (_label, body) => {
    const response = await pipeline.post(
      pipeline.stack.urls.inboundSms,
      rawForm([
        ["RecvNum", longNumber],
        ["SendNum", longNumber],
        ["Body", body],
        ["Memo", undecodable],
      ]),
      formHeaders,
    );
    expect(response.status, response.text).toBe(200);
    const arrivalId = String(response.result?.MsgId);
    await processed(arrivalId);

    // One line for the message, the processor's, naming the API request that brought it.
    const lines = logLines();
    expect(lines.map(({ level, message }) => [level, message])).toEqual([["INFO", "inbound SMS stored"]]);
    expect(lines[0]).toMatchObject({
      arrivalId,
      apiRequestId: response.headers.get("apigw-requestid"),
      flags: expect.arrayContaining(["UNDECODABLE_BYTES"]),
    });
    // The longest `opt` is "out already-recorded" (an SQS redelivery): 9 bytes more than this one's.
    const margin =
      lines[0]?.opt === undefined ? 0 : Buffer.byteLength("already-recorded") - Buffer.byteLength("changed");
    if (body === "수신 거부") expect(lines[0]?.opt).toBe("out changed");
    for (const line of lines) expect(bytesOnColdStart(line) + margin, JSON.stringify(line)).toBeLessThanOrEqual(400);
    // Metrics: one document, the processor's (the receive function counts only what it turns away).
    expect(emfDocuments()).toHaveLength(1);
  });

  it("a status callback with MsgId and CKey at their limit and an unknown ErrorCode", async () => {
    const longest = "가".repeat(85);
    const response = await pipeline.post(
      pipeline.stack.urls.statusCallback,
      rawForm([
        ["MsgId", longest],
        ["CKey", longest],
        ["Status", "Failed"],
        ["ErrorCode", "E".repeat(100)],
        ["ErrorMsg", "실패 ".repeat(50)],
        ["SendNum", longNumber],
        ["RecvNum", longNumber],
      ]),
      formHeaders,
    );
    expect(response.status).toBe(200);
    const arrivalId = String(response.result?.MsgId);
    await processed(arrivalId);

    const lines = logLines();
    expect(lines.map(({ level, message }) => [level, message])).toEqual([["INFO", "status callback stored"]]);
    expect(lines[0]).toMatchObject({ arrivalId, apiRequestId: response.headers.get("apigw-requestid") });
    for (const line of lines) expect(bytesOnColdStart(line), JSON.stringify(line)).toBeLessThanOrEqual(400);
    expect(emfDocuments()).toHaveLength(1);
  });

  it("a rejected request: one warning where it is received, one line where it is kept", async () => {
    const response = await pipeline.post(
      pipeline.stack.urls.inboundSms,
      rawForm([
        ["RecvNum", longNumber],
        ["SendNum", "not-a-number"],
        ["Body", `${koreanPrefix} 거절`],
      ]),
      formHeaders,
    );
    expect(response.status).toBe(400);
    const rejectionId = String(response.result?.MsgId);
    await processed(rejectionId);

    const lines = logLines();
    expect(lines.map(({ level, message }) => [level, message])).toEqual([
      ["WARN", "request rejected"],
      ["INFO", "rejected request kept"],
    ]);
    for (const line of lines) expect(bytesOnColdStart(line), JSON.stringify(line)).toBeLessThanOrEqual(400);
  });
});

describe("sending: what the sender and the join write", () => {
  it("one line per send, at most 400 bytes, without the numbers, the text, the credentials or the URL secret", async () => {
    const text = "개인 정보가 담긴 본문";
    await pipeline.enqueue("outbox", [
      JSON.stringify({ to: "010-9876-5432", from: "02-3456-7890", text, ckey: "security-send-1" }),
    ]);
    // Sent, then its callbacks (the simulator's, a second or so later) joined.
    const joined = () => output.join("").includes('"sent":"result"');
    await pipeline.eventually(
      async () => joined(),
      (done) => done,
      15_000,
    );
    expect(joined()).toBe(true);
    const written = output.join("");
    const lines = written.split("\n").filter((line) => line.startsWith("{") && !line.includes('"_aws"'));
    const sent = lines.filter((line) => line.includes("message sent to ToBeText"));
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0] ?? "{}")).toMatchObject({
      level: "INFO",
      ckey: "security-send-1",
      sendOutcome: "accepted",
    });
    for (const line of lines) expect(Buffer.byteLength(line), line).toBeLessThanOrEqual(400);
    // The credentials the sender used: the local stack takes TOBETEXT_CID and TOBETEXT_TOKEN from the
    // environment when set (else its own, local-cid and local-token) and hands the functions those.
    const cid = process.env[sendCredentialSettings.cid] as string;
    const token = process.env[sendCredentialSettings.token] as string;
    for (const credential of [cid, token]) expect(credential, "a send credential in use").toMatch(/\S/);
    const secrets = ["local-token", "local-cid", cid, token, currentSecret];
    for (const personal of ["9876", "5432", "3456", "7890", text, ...secrets]) {
      expect(written).not.toContain(personal);
    }
  });
});

describe("throttling", () => {
  /** A request whose headers go now and whose body goes later: it arrives (and is throttled) at once. */
  function heldRequest(url: string, body: Buffer) {
    const target = new URL(url);
    let release = () => {};
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = httpRequest(
        { host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent: false },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => chunks.push(chunk));
          answer.on("end", () => resolve({ status: answer.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        },
      );
      request.on("error", reject);
      request.setHeader("content-type", "application/x-www-form-urlencoded");
      request.setHeader("content-length", body.length);
      request.flushHeaders();
      release = () => request.end(body);
    });
    return { response, release: () => release() };
  }

  it("answers 429 past the route's burst, like API Gateway, without invoking the function", async () => {
    const url = pipeline.stack.urls.inboundSms;
    const requests = Array.from({ length: 150 }, (_, index) =>
      heldRequest(url, sms(`0107100${String(index).padStart(4, "0")}`, "폭주")),
    );
    const started = Date.now();
    // Every request has arrived (each took a token or was refused one) before any body is sent.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const request of requests) request.release();
    const responses = await Promise.all(requests.map((request) => request.response));
    const arrivalSeconds = (Date.now() - started) / 1000;

    const throttled = responses.filter((response) => response.status === 429);
    const accepted = responses.filter((response) => response.status === 200);
    expect(throttled.length + accepted.length).toBe(150);
    expect(JSON.parse(throttled[0]?.text ?? "{}")).toEqual({ message: "Too Many Requests" });
    // Burst 100, refilled at 50 a second: far fewer than 150 fit in the time they arrived in.
    expect(accepted.length).toBeGreaterThanOrEqual(100);
    expect(accepted.length).toBeLessThanOrEqual(100 + Math.ceil(50 * arrivalSeconds));
    expect(throttled.length).toBeGreaterThan(0);
    // Throttled requests never reached the function: only the accepted ones were queued and stored.
    await pipeline.eventually(
      async () => (await pipeline.scan("inboundMessages")).filter((item) => item.text === "폭주").length,
      (stored) => stored === accepted.length,
    );
  });
});
