/**
 * The ToBeText simulator through real HTTP: its send answers, the status callbacks it posts to a
 * receiver started here, the plans that script them, its inspection endpoints, and the inbound
 * SMS generator's retries.
 */
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { XMLParser } from "fast-xml-parser";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InboundDelivery } from "../../infra/simulator/inbound.ts";
import { deliverInboundSms } from "../../infra/simulator/inbound.ts";
import { type RunningSimulator, startToBeTextSimulator } from "../../infra/simulator/simulator.ts";

const credentials = { cid: "test-cid", token: "test-token-9f2c" };
const secret = "receiver-secret-8d41b7";
const logLines: string[] = [];
let simulator: RunningSimulator;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  simulator = await startToBeTextSimulator({
    credentials,
    callbackDelayMs: { min: 10, max: 40 },
    callbackRetry: { retries: 2, firstDelayMs: 20 },
    inboundRetryTimeoutMs: 100,
    log: (line) => logLines.push(line),
  });
});

afterAll(async () => {
  await simulator?.stop();
  await receiver?.close();
});

let seq = 0;
const nextCkey = (label: string) => `${label}-${++seq}`;

/** A valid send request; its callbacks go to the receiver's `mode` path. */
function sendFields(ckey: string, mode: ReceiverMode | undefined = "ok"): Record<string, string> {
  return {
    Ckey: ckey,
    RecvNum: "+821012341234",
    SendNum: "010-5678-1234",
    Body: "TEST 안녕하세요",
    Cid: credentials.cid,
    token: credentials.token,
    ...(mode ? { callback: `${receiver.url}/${mode}/${secret}` } : {}),
  };
}

interface Answer {
  status: number;
  result: Record<string, string>;
}

const parser = new XMLParser({ parseTagValue: false });

/** Posts a send request (form-urlencoded, or multipart as PHP's sample does) and parses its XML answer. */
function send(fields: Record<string, string>, multipart = false): Promise<Answer> {
  const boundary = "----simulator-test-boundary";
  const body = multipart
    ? `${Object.entries(fields)
        .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
        .join("")}--${boundary}--\r\n`
    : new URLSearchParams(fields).toString();
  const contentType = multipart
    ? `multipart/form-data; boundary=${boundary}`
    : "application/x-www-form-urlencoded; charset=utf-8";
  return new Promise((resolve, reject) => {
    const outgoing = request(
      simulator.sendUrl,
      { method: "POST", agent: false, headers: { "content-type": contentType } },
      (response) => {
        readText(response).then((text) => {
          resolve({ status: response.statusCode ?? 0, result: parser.parse(text).ToBeTextResult });
        }, reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

async function readText(message: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of message as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * How the receiver answers, by the first segment of the path: `ok` 200, `fail` 500, `flaky` 500 the
 * first time a path is posted to and 200 after, `slow` 200 after 150 ms.
 */
type ReceiverMode = "ok" | "fail" | "flaky" | "slow";

interface Arrival {
  path: string;
  body: Buffer;
  fields: Record<string, string>;
}

interface Receiver {
  url: string;
  arrivals: Arrival[];
  /** What happened in what order, across the receiver and the test's own clients. */
  events: string[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const arrivals: Arrival[] = [];
  const events: string[] = [];
  const server: Server = createServer(async (incoming, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const path = incoming.url ?? "/";
    const fields = Object.fromEntries(new URLSearchParams(body.toString("utf8")));
    const earlier = arrivals.filter((arrival) => arrival.path === path).length;
    arrivals.push({ path, body, fields });
    events.push(`callback ${fields.CKey}`);
    const mode = path.split("/")[1];
    const status = mode === "fail" || (mode === "flaky" && earlier === 0) ? 500 : 200;
    setTimeout(() => response.writeHead(status).end(status === 200 ? "OK" : "error"), mode === "slow" ? 150 : 0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    events,
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

const callbacksFor = (ckey: string) => receiver.arrivals.filter((arrival) => arrival.fields.CKey === ckey);

describe("the send endpoint", () => {
  it("answers a valid request with ToBeText's XML, Success and a fresh 32-hex MsgId", async () => {
    const answer = await send(sendFields(nextCkey("ok"), undefined));
    expect(answer.status).toBe(200);
    expect(answer.result).toEqual({
      Status: "Success",
      MsgId: expect.stringMatching(/^[0-9a-f]{32}$/),
      SendNum: "010-5678-1234",
      RecvNum: "+821012341234",
      ErrorCode: "200",
      ErrorMsg: "Message successfully sent",
    });
  });

  it("takes multipart/form-data, as PHP's curl sample sends", async () => {
    const answer = await send(sendFields(nextCkey("multipart"), undefined), true);
    expect(answer.result.ErrorCode).toBe("200");
  });

  it.each([
    ["a wrong token", { token: "wrong" }, "2002"],
    ["no Cid", { Cid: "" }, "2002"],
    ["no Ckey", { Ckey: "" }, "2001"],
    ["a SendNum that is no phone number", { SendNum: "12-34" }, "2004"],
    ["a RecvNum not in E.164", { RecvNum: "01012341234" }, "2004"],
    ["an empty Body", { Body: "" }, "2005"],
    ["81 Korean characters", { Body: "가".repeat(81) }, "2005"],
    ["161 ASCII characters", { Body: "a".repeat(161) }, "2005"],
  ])("refuses %s with %s, Failed and no MsgId", async (_label, change, errorCode) => {
    const answer = await send({ ...sendFields(nextCkey("refused")), ...change });
    expect(answer.status).toBe(200);
    expect(answer.result).toMatchObject({ Status: "Failed", MsgId: "", ErrorCode: errorCode });
  });

  it.each([
    ["80 Korean characters", "가".repeat(80)],
    ["160 ASCII characters", "a".repeat(160)],
  ])("accepts %s", async (_label, Body) => {
    const answer = await send({ ...sendFields(nextCkey("limit"), undefined), Body });
    expect(answer.result.ErrorCode).toBe("200");
  });

  it("answers a repeated Ckey like a new message, and records both", async () => {
    const ckey = nextCkey("repeat");
    const first = await send(sendFields(ckey, undefined));
    const second = await send(sendFields(ckey, undefined));
    expect(second.result.MsgId).not.toBe(first.result.MsgId);
    const seen = simulator.requests().filter((sent) => sent.fields.Ckey === ckey);
    expect(seen.map((sent) => sent.answer)).toEqual([
      { errorCode: 200, msgId: first.result.MsgId },
      { errorCode: 200, msgId: second.result.MsgId },
    ]);
  });
});

describe("status callbacks", () => {
  it("posts each result twice, form-urlencoded, with CKey and the answered MsgId", async () => {
    const ckey = nextCkey("callbacks");
    const answer = await send(sendFields(ckey));
    await simulator.idle();
    const arrivals = callbacksFor(ckey);
    expect(arrivals).toHaveLength(2);
    for (const arrival of arrivals) {
      expect(arrival.path).toBe(`/ok/${secret}`);
      expect(arrival.fields).toEqual({
        CKey: ckey,
        Status: "Success",
        MsgId: answer.result.MsgId,
        SendNum: "010-5678-1234",
        RecvNum: "+821012341234",
        ErrorCode: "200",
        ErrorMsg: "Message delivered",
      });
    }
  });

  it("posts none for a refused request", async () => {
    const ckey = nextCkey("refused-callbacks");
    await send({ ...sendFields(ckey), Body: "" });
    await simulator.idle();
    expect(callbacksFor(ckey)).toEqual([]);
  });

  it("retries a callback the receiver does not answer 200, and records every attempt", async () => {
    const flaky = nextCkey("flaky");
    const failing = nextCkey("failing");
    simulator.plan(flaky, { callbacks: [{ errorCode: "200" }] });
    simulator.plan(failing, { callbacks: [{ errorCode: "200" }] });
    await send(sendFields(flaky, "flaky"));
    await send(sendFields(failing, "fail"));
    await simulator.idle();
    const attempts = (ckey: string) =>
      simulator
        .callbacks()
        .filter((attempt) => attempt.fields.CKey === ckey)
        .map(({ status, attempt }) => ({ status, attempt }));
    expect(attempts(flaky)).toEqual([
      { status: 500, attempt: 1 },
      { status: 200, attempt: 2 },
    ]);
    // One post and the two retries configured.
    expect(attempts(failing)).toEqual([
      { status: 500, attempt: 1 },
      { status: 500, attempt: 2 },
      { status: 500, attempt: 3 },
    ]);
  });
});

describe("plans", () => {
  it.each([2001, 2002, 2004, 2005] as const)("force %s on a valid request, with no callbacks", async (code) => {
    const ckey = nextCkey(`forced-${code}`);
    simulator.plan(ckey, { answer: code });
    const answer = await send(sendFields(ckey));
    expect(answer.result).toMatchObject({ Status: "Failed", MsgId: "", ErrorCode: String(code) });
    await simulator.idle();
    expect(callbacksFor(ckey)).toEqual([]);
  });

  it("force success on a request ToBeText would refuse", async () => {
    const ckey = nextCkey("forced-success");
    simulator.plan(ckey, { answer: "success" });
    const answer = await send({ ...sendFields(ckey, undefined), Body: "" });
    expect(answer.result).toMatchObject({ Status: "Success", ErrorCode: "200" });
  });

  it("drop the answer: the client sees a socket hang up, the callbacks still come", async () => {
    const ckey = nextCkey("dropped");
    simulator.plan(ckey, { dropAnswer: true });
    await expect(send(sendFields(ckey))).rejects.toThrow("socket hang up");
    await simulator.idle();
    const arrivals = callbacksFor(ckey);
    expect(arrivals).toHaveLength(2);
    expect(arrivals[0]?.fields.MsgId).toMatch(/^[0-9a-f]{32}$/);
    expect(simulator.requests().find((sent) => sent.fields.Ckey === ckey)?.answer).toBe("dropped");
  });

  it("post the callbacks, acknowledged, before the send is answered", async () => {
    const ckey = nextCkey("before");
    simulator.plan(ckey, { callbacksBeforeAnswer: true, callbacks: [{ errorCode: "200", delayMs: 20 }] });
    const answer = await send(sendFields(ckey));
    receiver.events.push(`answer ${ckey}`);
    expect(receiver.events.filter((event) => event.endsWith(` ${ckey}`))).toEqual([
      `callback ${ckey}`,
      `answer ${ckey}`,
    ]);
    expect(callbacksFor(ckey)[0]?.fields.MsgId).toBe(answer.result.MsgId);
  });

  it("delay the answer", async () => {
    const ckey = nextCkey("slow-answer");
    simulator.plan(ckey, { answerDelayMs: 80 });
    const started = performance.now();
    await send(sendFields(ckey, undefined));
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });

  it("replace the callbacks: failures, in the planned order, one without CKey", async () => {
    const ckey = nextCkey("planned");
    simulator.plan(ckey, {
      callbacks: [
        { errorCode: "400", delayMs: 10 },
        { errorCode: "411", delayMs: 30 },
        { errorCode: "412", delayMs: 50 },
        { errorCode: "200", delayMs: 70, omitCKey: true },
      ],
    });
    const answer = await send(sendFields(ckey));
    await simulator.idle();
    const arrivals = receiver.arrivals.filter((arrival) => arrival.fields.MsgId === answer.result.MsgId);
    expect(arrivals.map(({ fields }) => [fields.CKey, fields.Status, fields.ErrorCode, fields.ErrorMsg])).toEqual([
      [ckey, "Failed", "400", "Failed"],
      [ckey, "Failed", "411", "internal error"],
      [ckey, "Failed", "412", "other"],
      [undefined, "Success", "200", "Message delivered"],
    ]);
    expect(arrivals[3]?.fields).not.toHaveProperty("CKey");
  });

  it("are set over HTTP too, and a malformed one is refused", async () => {
    const ckey = nextCkey("http-plan");
    const post = (body: unknown) =>
      fetch(`${simulator.url}/_simulator/plans`, { method: "POST", body: JSON.stringify(body) });
    expect((await post({ ckey, answer: 2004 })).status).toBe(200);
    expect((await send(sendFields(ckey))).result.ErrorCode).toBe("2004");
    const refused = await post({ ckey, answer: 2003 });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ message: 'answer must be "success", 2001, 2002, 2004 or 2005' });
    expect((await post({ ckey, dropAnswr: true })).status).toBe(400);
  });
});

describe("inspection", () => {
  it("lists the requests and callback attempts as JSON, without credentials or the receiver's secret", async () => {
    const ckey = nextCkey("inspect");
    await send(sendFields(ckey));
    await simulator.idle();
    const requestsText = await (await fetch(`${simulator.url}/_simulator/requests`)).text();
    const callbacksText = await (await fetch(`${simulator.url}/_simulator/callbacks`)).text();
    for (const text of [requestsText, callbacksText]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(credentials.token);
    }
    const requests = JSON.parse(requestsText) as Array<{ fields: Record<string, string> }>;
    expect(requests.find((sent) => sent.fields.Ckey === ckey)?.fields).toMatchObject({
      Cid: "***",
      token: "***",
      callback: `${receiver.url}/ok/***`,
    });
    const callbacks = JSON.parse(callbacksText) as Array<{ url: string; fields: Record<string, string> }>;
    const mine = callbacks.filter((attempt) => attempt.fields.CKey === ckey);
    expect(mine).toHaveLength(2);
    expect(mine[0]).toMatchObject({ url: `${receiver.url}/ok/***`, status: 200, attempt: 1 });
    // In memory, the full URL: for tests that post to it again.
    expect(simulator.callbacks().find((attempt) => attempt.fields.CKey === ckey)?.url).toBe(
      `${receiver.url}/ok/${secret}`,
    );
  });

  it("logs no phone number, Body, credential or callback URL", () => {
    expect(logLines.length).toBeGreaterThan(0);
    const log = logLines.join("\n");
    for (const secretWord of [secret, credentials.token, credentials.cid, "821012341234", "5678-1234", "안녕"])
      expect(log).not.toContain(secretWord);
  });
});

describe("the inbound SMS generator", () => {
  const fields = { SendNum: "010-5678-1234", RecvNum: "821012341234", Body: "TEST 안녕하세요" };
  const arrivalsAt = (path: string) => receiver.arrivals.filter((arrival) => arrival.path === path);

  it("posts once when the receiver confirms", async () => {
    const path = `/ok/inbound-${++seq}`;
    const delivery = await deliverInboundSms({ url: `${receiver.url}${path}`, fields });
    expect(delivery).toMatchObject({ confirmed: true, attempts: [{ status: 200 }] });
    expect(arrivalsAt(path).map((arrival) => arrival.fields)).toEqual([fields]);
  });

  it("retries when the receiver answers 500, and stops after maxRetries", async () => {
    const path = `/fail/inbound-${++seq}`;
    const delivery = await deliverInboundSms({ url: `${receiver.url}${path}`, fields, maxRetries: 3 });
    expect(delivery.confirmed).toBe(false);
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([500, 500, 500, 500]);
    expect(arrivalsAt(path)).toHaveLength(4);
  });

  it("retries when the receiver answers too slowly", async () => {
    const path = `/slow/inbound-${++seq}`;
    const delivery = await deliverInboundSms({ url: `${receiver.url}${path}`, fields, timeoutMs: 50, maxRetries: 2 });
    expect(delivery.confirmed).toBe(false);
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual(["timeout", "timeout", "timeout"]);
    for (const attempt of delivery.attempts) expect(attempt.ms).toBeGreaterThanOrEqual(45);
  });

  it("stops retrying at the first confirmation", async () => {
    const path = `/flaky/inbound-${++seq}`;
    const delivery = await deliverInboundSms({ url: `${receiver.url}${path}`, fields });
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([500, 200]);
    expect(delivery.confirmed).toBe(true);
  });

  it("posts again after a 200 whose confirmation was lost, at most maxRetries times", async () => {
    const path = `/ok/inbound-${++seq}`;
    const twice = await deliverInboundSms({ url: `${receiver.url}${path}`, fields, lostConfirmations: 2 });
    expect(twice.attempts.map((attempt) => attempt.status)).toEqual([200, 200, 200]);
    expect(twice.confirmed).toBe(true);
    const capped = await deliverInboundSms({
      url: `${receiver.url}${path}`,
      fields,
      lostConfirmations: 9,
      maxRetries: 1,
    });
    expect(capped.attempts.map((attempt) => attempt.status)).toEqual([200, 200]);
    expect(capped.confirmed).toBe(false);
    expect(arrivalsAt(path)).toHaveLength(5);
  });

  it("sends EUC-KR when asked", async () => {
    const path = `/ok/inbound-${++seq}`;
    await deliverInboundSms({ url: `${receiver.url}${path}`, fields, encoding: "euc-kr" });
    const body = arrivalsAt(path)[0]?.body.toString("latin1") ?? "";
    // Percent-encoded, so the body itself is ASCII; the bytes it encodes are EUC-KR.
    expect(body).toMatch(/^[\x20-\x7E]*$/);
    const value =
      body
        .split("&")
        .find((pair) => pair.startsWith("Body="))
        ?.slice("Body=".length) ?? "";
    const bytes = Buffer.from(
      value.replaceAll("+", " ").replace(/%([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(Number.parseInt(hex, 16))),
      "latin1",
    );
    expect(iconv.decode(bytes, "euc-kr")).toBe(fields.Body);
  });

  it("runs over the simulator's HTTP, with its default timeout", async () => {
    const path = `/slow/inbound-${++seq}`;
    const response = await fetch(`${simulator.url}/_simulator/inbound`, {
      method: "POST",
      body: JSON.stringify({ url: `${receiver.url}${path}`, fields, maxRetries: 1 }),
    });
    expect(response.status).toBe(200);
    const delivery = (await response.json()) as InboundDelivery;
    // inboundRetryTimeoutMs is 100 ms; the receiver takes 150.
    expect(delivery).toMatchObject({ confirmed: false, attempts: [{ status: "timeout" }, { status: "timeout" }] });
    const refused = await fetch(`${simulator.url}/_simulator/inbound`, {
      method: "POST",
      body: JSON.stringify({ url: `${receiver.url}${path}`, fields: { SendNum: "010" } }),
    });
    expect(refused.status).toBe(400);
  });
});

describe("stop", () => {
  it("cancels the callbacks still pending", async () => {
    const own = await startToBeTextSimulator({ credentials, callbackDelayMs: { min: 5000, max: 5000 } });
    const ckey = nextCkey("stopped");
    const answer = await fetch(own.sendUrl, { method: "POST", body: new URLSearchParams(sendFields(ckey)) });
    expect(await answer.text()).toContain("<ErrorCode>200</ErrorCode>");
    await own.stop();
    await own.idle();
    expect(own.callbacks()).toEqual([]);
    expect(callbacksFor(ckey)).toEqual([]);
  });
});
