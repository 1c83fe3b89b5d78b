/**
 * The local stand-ins for API Gateway and the SQS event source mapping, checked against the behaviour
 * of the AWS services they replace: the handlers that run on Lambda must see the same events here.
 */
import { request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2, Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { type FauxqsServer, startFauxqs } from "fauxqs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type HttpHandler, type RunningHttpFront, startHttpFront } from "../../infra/local/http-front.ts";
import {
  type PollerOptions,
  type RunningPoller,
  type SqsHandler,
  startSqsPoller,
} from "../../infra/local/sqs-poller.ts";

/** Waits for `check` to return something truthy, failing with `description` once the deadline passes. */
async function waitFor<T>(
  description: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 8_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(50);
  }
}

describe("local HTTP front (API Gateway HTTP API, payload format 2.0)", () => {
  const maxBodyBytes = 1024;
  const received: Array<{ event: APIGatewayProxyEventV2; context: Context }> = [];
  const acknowledge: HttpHandler = async () => ({ statusCode: 200, body: "ok" });
  let respond: HttpHandler = acknowledge;
  let front: RunningHttpFront;
  /** Shared by several routes, as one Lambda function may back several API Gateway routes. */
  const recording: HttpHandler = (event, context) => {
    received.push({ event, context });
    return respond(event, context);
  };

  beforeAll(async () => {
    front = await startHttpFront({
      port: 0,
      maxBodyBytes,
      routes: [
        { path: "/inbound", handler: recording },
        { path: "/inbound/{secret}", handler: recording },
        {
          path: "/inbound/status",
          handler: async (event, context) => {
            received.push({ event, context });
            return { statusCode: 200, body: "status" };
          },
        },
      ],
    });
  });

  afterEach(() => {
    received.length = 0;
    respond = acknowledge;
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await front?.close();
  });

  function onlyEvent(): APIGatewayProxyEventV2 {
    expect(received).toHaveLength(1);
    return (received[0] as { event: APIGatewayProxyEventV2 }).event;
  }

  it("reports the port it picked when asked for port 0", () => {
    expect(front.port).toBeGreaterThan(0);
    expect(front.url).toBe(`http://127.0.0.1:${front.port}`);
  });

  it("hands a form post to the handler base64-encoded, with the exact v2 event", async () => {
    // What curl --data sends: raw UTF-8, Korean not percent-encoded.
    const formBody = Buffer.from(
      "sender=01012345678&receiver=0212345678&msg=안녕하세요, 테스트입니다&sent=2026-11-25 13:35:04",
    );
    const before = Date.now();
    const response = await fetch(`${front.url}/inbound?id=7&tag=a&tag=b&name=%ED%99%8D+%EA%B8%B8%EB%8F%99&flag`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-ToBeText-Signature": "abc123",
        Cookie: "session=1; theme=dark",
      },
      body: formBody,
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok");

    const event = onlyEvent();
    const host = `127.0.0.1:${front.port}`;
    expect(event).toEqual({
      version: "2.0",
      routeKey: "ANY /inbound",
      rawPath: "/inbound",
      rawQueryString: "id=7&tag=a&tag=b&name=%ED%99%8D+%EA%B8%B8%EB%8F%99&flag",
      cookies: ["session=1", "theme=dark"],
      headers: expect.objectContaining({
        host,
        "content-type": "application/x-www-form-urlencoded",
        "content-length": String(formBody.length),
        "x-tobetext-signature": "abc123",
        "x-forwarded-for": "127.0.0.1",
        "x-forwarded-port": String(front.port),
        "x-forwarded-proto": "http",
        "x-amzn-trace-id": expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/),
      }),
      queryStringParameters: { id: "7", tag: "a,b", name: "홍 길동", flag: "" },
      requestContext: {
        accountId: "000000000000",
        apiId: "local",
        domainName: host,
        domainPrefix: "127",
        http: {
          method: "POST",
          path: "/inbound",
          protocol: "HTTP/1.1",
          sourceIp: "127.0.0.1",
          userAgent: event.headers["user-agent"],
        },
        requestId: expect.stringMatching(/^[A-Za-z0-9+/]{15}=$/),
        routeKey: "ANY /inbound",
        stage: "$default",
        time: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
        timeEpoch: expect.any(Number),
      },
      body: formBody.toString("base64"),
      isBase64Encoded: true,
    });
    expect(event.headers["user-agent"]).toBeTruthy();
    expect(Buffer.from(event.body ?? "", "base64").equals(formBody)).toBe(true);
    expect(Object.keys(event.headers).filter((name) => name !== name.toLowerCase())).toEqual([]);
    expect(event.headers).not.toHaveProperty("cookie");
    expect(event.headers).not.toHaveProperty("connection");
    expect(event).not.toHaveProperty("pathParameters");
    expect(event).not.toHaveProperty("stageVariables");

    const { time, timeEpoch } = event.requestContext;
    expect(timeEpoch).toBeGreaterThanOrEqual(before);
    expect(timeEpoch).toBeLessThanOrEqual(Date.now());
    const [, day, month, year, clock] = /^(\d{2})\/(\w{3})\/(\d{4}):(\S+) \+0000$/.exec(time) ?? [];
    expect(Date.parse(`${day} ${month} ${year} ${clock} GMT`)).toBe(Math.floor(timeEpoch / 1000) * 1000);
    expect(response.headers.get("apigw-requestid")).toBe(event.requestContext.requestId);
  });

  it("passes a JSON post as a plain UTF-8 string", async () => {
    const json = JSON.stringify({ sender: "01012345678", msg: "안녕하세요" });
    const response = await fetch(`${front.url}/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: json,
    });
    expect(response.status).toBe(200);
    const event = onlyEvent();
    expect(event.body).toBe(json);
    expect(event.isBase64Encoded).toBe(false);
    expect(event.rawQueryString).toBe("");
    expect(event).not.toHaveProperty("queryStringParameters");
    expect(event).not.toHaveProperty("cookies");
  });

  it.each([
    { contentType: "text/plain; charset=utf-8", asText: true },
    { contentType: "application/xml", asText: true },
    { contentType: "application/vnd.api+json", asText: true },
    { contentType: "application/soap+xml", asText: true },
    { contentType: "application/javascript", asText: true },
    { contentType: "multipart/form-data; boundary=x", asText: false },
    { contentType: "application/octet-stream", asText: false },
    { contentType: undefined, asText: false },
  ])("passes a $contentType body as text: $asText", async ({ contentType, asText }) => {
    const bytes = new TextEncoder().encode("수신 <ok/>");
    await fetch(`${front.url}/inbound`, {
      method: "POST",
      headers: contentType ? { "content-type": contentType } : {},
      body: bytes,
    });
    const event = onlyEvent();
    expect(event.headers["content-type"]).toBe(contentType);
    expect(event.isBase64Encoded).toBe(!asText);
    expect(event.body).toBe(asText ? "수신 <ok/>" : Buffer.from(bytes).toString("base64"));
  });

  it("base64-encodes a text body that carries a Content-Encoding", async () => {
    await fetch(`${front.url}/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "identity" },
      body: "{}",
    });
    const event = onlyEvent();
    expect(event.isBase64Encoded).toBe(true);
    expect(event.body).toBe(Buffer.from("{}").toString("base64"));
  });

  it("omits the body of a request without one", async () => {
    const response = await fetch(`${front.url}/inbound`);
    expect(response.status).toBe(200);
    const event = onlyEvent();
    expect(event.requestContext.http.method).toBe("GET");
    expect(event).not.toHaveProperty("body");
    expect(event.isBase64Encoded).toBe(false);
  });

  it("joins repeated headers with commas, as API Gateway does", async () => {
    const status = await rawRequest(`${front.url}/inbound?x=1`, {
      "X-Repeated": ["first", "second"],
      "Content-Type": ["text/plain", "text/html"],
      Cookie: ["a=1", "b=2; c=3"],
    });
    expect(status).toBe(200);
    const event = onlyEvent();
    expect(event.headers["x-repeated"]).toBe("first,second");
    expect(event.headers["content-type"]).toBe("text/plain,text/html");
    expect(event.cookies).toEqual(["a=1", "b=2", "c=3"]);
  });

  it("gives each invocation a fresh Lambda context", async () => {
    await fetch(`${front.url}/inbound`);
    await fetch(`${front.url}/inbound`);
    expect(received).toHaveLength(2);
    const [first, second] = received.map(({ event, context }) => ({ event, context }));
    expect(first?.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first?.context.awsRequestId).not.toBe(second?.context.awsRequestId);
    expect(first?.event.requestContext.requestId).not.toBe(second?.event.requestContext.requestId);
    const remaining = second?.context.getRemainingTimeInMillis() ?? 0;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(30_000);
  });

  it("answers an unknown path with API Gateway's 404", async () => {
    const response = await fetch(`${front.url}/nowhere`, { method: "POST", body: "x" });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ message: "Not Found" });
    expect(received).toEqual([]);
  });

  it("hands a templated route its URL-decoded path parameters, with the template as routeKey", async () => {
    const rawPath = "/inbound/s%20e%2Fcr+et%ED%99%8D";
    const response = await fetch(`${front.url}${rawPath}?id=7`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok");

    const { event, context } = received[0] ?? {};
    expect(received).toHaveLength(1);
    expect(event).toMatchObject({
      routeKey: "ANY /inbound/{secret}",
      rawPath,
      rawQueryString: "id=7",
      queryStringParameters: { id: "7" },
      requestContext: { routeKey: "ANY /inbound/{secret}", http: { method: "POST", path: rawPath } },
      body: "{}",
    });
    // Decoded as a path segment: %2F becomes "/", and "+" stays a plus (it is a space only in a query).
    expect(event?.pathParameters).toEqual({ secret: "s e/cr+et홍" });
    expect(context?.functionName).toBe("local-inbound-secret");
  });

  it("prefers a literal route to a templated one that also matches", async () => {
    const literal = await fetch(`${front.url}/inbound/status`);
    expect(await literal.text()).toBe("status");
    const templated = await fetch(`${front.url}/inbound/statuses`);
    expect(await templated.text()).toBe("ok");

    expect(received.map(({ event }) => [event.routeKey, event.pathParameters])).toEqual([
      ["ANY /inbound/status", undefined],
      ["ANY /inbound/{secret}", { secret: "statuses" }],
    ]);
    expect(received[0]?.event).not.toHaveProperty("pathParameters");
  });

  it.each(["/inbound/", "/inbound/a/b", "/inbound//", "//inbound", "/inbound/status/x"])(
    "matches a variable to exactly one non-empty segment: %s is 404",
    async (path) => {
      const response = await fetch(`${front.url}${path}`, { method: "POST", body: "x" });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ message: "Not Found" });
      expect(received).toEqual([]);
    },
  );

  it("never throttles a route without throttle settings", async () => {
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        fetch(`${front.url}/inbound${index % 2 === 0 ? "" : `/secret-${index}`}`, { method: "POST", body: "x" }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(30).fill(200));
    expect(received).toHaveLength(30);
  });

  it("turns away a body over the limit with 413, without invoking the handler", async () => {
    const atLimit = await fetch(`${front.url}/inbound`, { method: "POST", body: new Uint8Array(maxBodyBytes) });
    expect(atLimit.status).toBe(200);
    received.length = 0;

    for (const size of [maxBodyBytes + 1, 512 * 1024]) {
      const response = await fetch(`${front.url}/inbound`, { method: "POST", body: new Uint8Array(size) });
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ message: "Request Entity Too Large" });
    }
    expect(received).toEqual([]);
  });

  it("answers 500 when the handler throws, and logs the error", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    respond = async () => {
      throw new Error("handler broke");
    };
    const response = await fetch(`${front.url}/inbound`, { method: "POST", body: "x" });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: "Internal Server Error" });
    expect(logged).toHaveBeenCalledWith(
      expect.stringContaining("ANY /inbound"),
      expect.objectContaining({ message: "handler broke" }),
    );
  });

  it("returns a structured result verbatim", async () => {
    respond = async () => ({
      statusCode: 202,
      headers: { "content-type": "text/plain; charset=utf-8", "x-receiver": "tobetext" },
      cookies: ["seen=1; Path=/", "theme=dark"],
      body: "접수됨",
    });
    const response = await fetch(`${front.url}/inbound`, { method: "POST", body: "x" });
    expect(response.status).toBe(202);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(response.headers.get("x-receiver")).toBe("tobetext");
    expect(response.headers.getSetCookie()).toEqual(["seen=1; Path=/", "theme=dark"]);
    expect(await response.text()).toBe("접수됨");
  });

  it("decodes a base64 result body", async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    respond = async () => ({ statusCode: 200, isBase64Encoded: true, body: bytes.toString("base64") });
    const response = await fetch(`${front.url}/inbound`);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it.each([
    { result: { accepted: true }, body: '{"accepted":true}' },
    { result: "OK", body: "OK" },
    { result: undefined, body: "null" },
  ])("answers 200 JSON for a result without statusCode: $body", async ({ result, body }) => {
    respond = async () => result;
    const response = await fetch(`${front.url}/inbound`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.text()).toBe(body);
  });

  it("answers 500 for a malformed structured result", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    respond = async () => ({ statusCode: "two hundred" });
    const response = await fetch(`${front.url}/inbound`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: "Internal Server Error" });
  });
});

describe("local HTTP front route throttling and route checks", () => {
  const throttle = { rateLimitPerSecond: 1, burstLimit: 3 };

  /** A fresh front, so every test starts with full buckets. */
  async function throttledFront(): Promise<{ front: RunningHttpFront; invocations: string[] }> {
    const invocations: string[] = [];
    const handler: HttpHandler = async (event) => {
      invocations.push(event.rawPath);
      return { statusCode: 200, body: "ok" };
    };
    const front = await startHttpFront({
      port: 0,
      maxBodyBytes: 1024,
      routes: [
        { path: "/inbound", handler, throttle },
        { path: "/inbound/{secret}", handler, throttle },
      ],
    });
    return { front, invocations };
  }

  it("answers 429 once a route's bucket is empty, without invoking the handler, and refills it", async () => {
    const { front, invocations } = await throttledFront();
    try {
      const firedAt = performance.now();
      const responses = await Promise.all(
        Array.from({ length: 6 }, () => fetch(`${front.url}/inbound`, { method: "POST", body: "x" })),
      );
      expect(responses.map((response) => response.status).sort()).toEqual([200, 200, 200, 429, 429, 429]);
      expect(invocations).toEqual(["/inbound", "/inbound", "/inbound"]);
      for (const response of responses) {
        if (response.status === 200) {
          expect(await response.text()).toBe("ok");
          continue;
        }
        expect(response.headers.get("content-type")).toBe("application/json");
        expect(response.headers.get("apigw-requestid")).toMatch(/^[A-Za-z0-9+/]{15}=$/);
        expect(await response.text()).toBe('{"message":"Too Many Requests"}');
      }

      // One token comes back each second; none can have come back before a second has passed.
      const servedAt = await waitFor(
        "a request to get through again",
        async () => {
          const response = await fetch(`${front.url}/inbound`, { method: "POST", body: "x" });
          await response.arrayBuffer();
          return response.status === 200 && performance.now();
        },
        5_000,
      );
      expect(servedAt - firedAt).toBeGreaterThanOrEqual(1_000);
      expect(invocations).toHaveLength(4);
    } finally {
      await front.close();
    }
  });

  it("keeps a bucket per route, even for routes sharing a handler", async () => {
    const { front, invocations } = await throttledFront();
    try {
      const statuses = async (path: string) =>
        (await Promise.all(Array.from({ length: 4 }, () => fetch(`${front.url}${path}`)))).map(
          (response) => response.status,
        );
      expect((await statuses("/inbound")).sort()).toEqual([200, 200, 200, 429]);
      // Another concrete path of the same template draws on the same bucket.
      expect((await statuses("/inbound/a")).sort()).toEqual([200, 200, 200, 429]);
      expect((await statuses("/inbound/b")).sort()).toEqual([429, 429, 429, 429]);
      expect(invocations).toHaveLength(6);
    } finally {
      await front.close();
    }
  });

  it("blocks a route whose burst limit is 0", async () => {
    const front = await startHttpFront({
      port: 0,
      maxBodyBytes: 1024,
      routes: [{ path: "/closed", handler: async () => "never", throttle: { rateLimitPerSecond: 100, burstLimit: 0 } }],
    });
    try {
      const response = await fetch(`${front.url}/closed`);
      expect(response.status).toBe(429);
      expect(await response.json()).toEqual({ message: "Too Many Requests" });
    } finally {
      await front.close();
    }
  });

  const handler: HttpHandler = async () => "ok";
  it.each([
    { what: "a greedy variable", routes: [{ path: "/inbound/{proxy+}", handler }], error: /greedy/ },
    { what: "a partial-segment variable", routes: [{ path: "/inbound/x{id}", handler }], error: /whole segment/ },
    { what: "a variable before the last segment", routes: [{ path: "/inbound/{secret}/x", handler }], error: /last/ },
    { what: "two variables", routes: [{ path: "/hooks/{provider}/{secret}", handler }], error: /last/ },
    { what: "a path without a leading slash", routes: [{ path: "inbound", handler }], error: /must start with/ },
    {
      what: "the same route twice",
      routes: [
        { path: "/inbound", handler },
        { path: "/inbound", handler },
      ],
      error: /defined twice/,
    },
    {
      what: "templates that differ only in variable names",
      routes: [
        { path: "/inbound/{secret}", handler },
        { path: "/inbound/{token}", handler },
      ],
      error: /would match the same requests/,
    },
    {
      what: "a fractional burst limit",
      routes: [{ path: "/inbound", handler, throttle: { rateLimitPerSecond: 1, burstLimit: 1.5 } }],
      error: /burstLimit/,
    },
    {
      what: "a negative rate",
      routes: [{ path: "/inbound", handler, throttle: { rateLimitPerSecond: -1, burstLimit: 1 } }],
      error: /rateLimitPerSecond/,
    },
  ])("refuses to start with $what", async ({ routes, error }) => {
    await expect(startHttpFront({ port: 0, maxBodyBytes: 1024, routes })).rejects.toThrow(error);
  });
});

/** A request with repeated header lines, which fetch would merge before sending. */
function rawRequest(url: string, headers: OutgoingHttpHeaders): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: "POST", headers }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    request.on("error", reject);
    request.end("hello");
  });
}

describe("local SQS poller (Lambda event source mapping)", () => {
  const region = "eu-west-1";
  let server: FauxqsServer;
  let sqs: SQSClient;
  let pollers: RunningPoller[] = [];
  let queueNumber = 0;

  beforeAll(async () => {
    server = await startFauxqs({ port: 0, logger: false });
    sqs = new SQSClient({
      endpoint: server.address,
      region,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
  });

  afterEach(async () => {
    await Promise.all(pollers.map((poller) => poller.stop()));
    pollers = [];
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    sqs?.destroy();
    await server?.stop();
  });

  async function queueArn(queueUrl: string): Promise<string> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
    );
    const arn = Attributes?.QueueArn;
    if (!arn) throw new Error(`No ARN for ${queueUrl}`);
    return arn;
  }

  /** A fresh queue per test, with a dead-letter queue after two receives and a 1 s visibility timeout. */
  async function createQueues(): Promise<{ queueUrl: string; queueArn: string; deadLetterQueueUrl: string }> {
    queueNumber += 1;
    const { QueueUrl: deadLetterQueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: `inbound-dlq-${queueNumber}` }),
    );
    if (!deadLetterQueueUrl) throw new Error("No dead-letter queue URL");
    const { QueueUrl: queueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: `inbound-${queueNumber}`,
        Attributes: {
          VisibilityTimeout: "1",
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: await queueArn(deadLetterQueueUrl),
            maxReceiveCount: "2",
          }),
        },
      }),
    );
    if (!queueUrl) throw new Error("No queue URL");
    return { queueUrl, queueArn: await queueArn(queueUrl), deadLetterQueueUrl };
  }

  function startPoller(
    queue: { queueUrl: string; queueArn: string },
    handler: SqsHandler,
    overrides: Partial<PollerOptions> = {},
  ): RunningPoller {
    const poller = startSqsPoller({
      sqs,
      region,
      handler,
      queueUrl: queue.queueUrl,
      queueArn: queue.queueArn,
      functionName: "processor",
      timeoutMs: 5_000,
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      maximumConcurrency: 1,
      ...overrides,
    });
    pollers.push(poller);
    return poller;
  }

  async function sendBodies(queueUrl: string, bodies: string[]): Promise<void> {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
  }

  async function messagesLeft(queueUrl: string): Promise<number> {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
  }

  /** Every record the handler has been given, in order. */
  function recordingHandler(
    respond: (event: SQSEvent) => Promise<SQSBatchResponse | undefined> = async () => undefined,
  ) {
    const batches: SQSRecord[][] = [];
    const handler: SqsHandler = async (event) => {
      batches.push(event.Records);
      return respond(event);
    };
    const deliveries = (body: string) =>
      batches
        .flat()
        .filter((record) => record.body === body)
        .map((record) => record.attributes.ApproximateReceiveCount);
    return { handler, batches, deliveries };
  }

  it("hands the handler a real SQSEvent and deletes the batch it completes", async () => {
    const queue = await createQueues();
    const sentAt = Date.now();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.queueUrl,
        MessageBody: "first",
        MessageAttributes: {
          route: { DataType: "String", StringValue: "inbound" },
          raw: { DataType: "Binary", BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );
    await sendBodies(queue.queueUrl, ["second", "셋째"]);
    const { handler, batches } = recordingHandler();
    const poller = startPoller(queue, handler);

    await waitFor("the handler to see all three messages", () => batches.flat().length === 3);
    await poller.idle();
    expect(batches).toHaveLength(1);
    const records = batches[0] ?? [];
    expect(records.map((record) => record.body)).toEqual(["first", "second", "셋째"]);
    for (const record of records) {
      expect(record).toMatchObject({
        messageId: expect.stringMatching(/./),
        receiptHandle: expect.stringMatching(/./),
        md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
        eventSource: "aws:sqs",
        eventSourceARN: queue.queueArn,
        awsRegion: region,
        attributes: {
          ApproximateReceiveCount: "1",
          SentTimestamp: expect.stringMatching(/^\d{13}$/),
          SenderId: expect.stringMatching(/./),
          ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
        },
      });
      expect(Number(record.attributes.SentTimestamp)).toBeGreaterThanOrEqual(sentAt - 1_000);
    }
    expect(records[0]?.messageAttributes).toEqual({
      route: { stringValue: "inbound", stringListValues: [], binaryListValues: [], dataType: "String" },
      raw: {
        binaryValue: Buffer.from([1, 2, 3]).toString("base64"),
        stringListValues: [],
        binaryListValues: [],
        dataType: "Binary",
      },
    });
    expect(records[0]?.md5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(records[1]?.messageAttributes).toEqual({});
    expect(await messagesLeft(queue.queueUrl)).toBe(0);
  });

  it("deletes all but a reported failure, which is retried and then dead-lettered", async () => {
    const queue = await createQueues();
    await sendBodies(queue.queueUrl, ["ok-1", "fail-me", "ok-2"]);
    const { handler, deliveries } = recordingHandler(async (event) => ({
      batchItemFailures: event.Records.filter((record) => record.body === "fail-me").map((record) => ({
        itemIdentifier: record.messageId,
      })),
    }));
    startPoller(queue, handler);

    await waitFor("the failed message to come back", () => deliveries("fail-me").length === 2);
    expect(deliveries("fail-me")).toEqual(["1", "2"]);

    const deadLettered = await waitFor("the failed message in the dead-letter queue", async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.deadLetterQueueUrl,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ["All"],
        }),
      );
      return Messages?.[0];
    });
    expect(deadLettered.Body).toBe("fail-me");
    // Moved by the queue on the receive after the second: the handler never sees a third delivery.
    expect(deliveries("fail-me")).toEqual(["1", "2"]);
    expect(deliveries("ok-1")).toEqual(["1"]);
    expect(deliveries("ok-2")).toEqual(["1"]);
    expect(await messagesLeft(queue.queueUrl)).toBe(0);
  });

  it("deletes nothing when the handler throws", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const queue = await createQueues();
    await sendBodies(queue.queueUrl, ["a", "b", "c"]);
    const { handler, deliveries } = recordingHandler(async () => {
      throw new Error("processor broke");
    });
    startPoller(queue, handler);

    await waitFor("every message to be delivered twice", () =>
      ["a", "b", "c"].every((body) => deliveries(body).length === 2),
    );
    expect(["a", "b", "c"].map(deliveries)).toEqual([
      ["1", "2"],
      ["1", "2"],
      ["1", "2"],
    ]);
  });

  it.each([
    { response: { batchItemFailures: [{ itemIdentifier: "not-in-this-batch" }] }, what: "an unknown itemIdentifier" },
    { response: { batchItemFailures: [{ itemIdentifier: "" }] }, what: "an empty itemIdentifier" },
  ])("fails the whole batch for $what", async ({ response }) => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const queue = await createQueues();
    await sendBodies(queue.queueUrl, ["a", "b"]);
    const { handler, deliveries } = recordingHandler(async (event) =>
      event.Records[0]?.attributes.ApproximateReceiveCount === "1" ? response : { batchItemFailures: [] },
    );
    const poller = startPoller(queue, handler);

    await waitFor(
      "both messages to be redelivered",
      () => deliveries("a").length === 2 && deliveries("b").length === 2,
    );
    await poller.idle();
    expect(await messagesLeft(queue.queueUrl)).toBe(0);
  });

  it("treats a handler that outlives its timeout as failed", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const queue = await createQueues();
    await sendBodies(queue.queueUrl, ["slow"]);
    const { handler, deliveries } = recordingHandler(async (event) => {
      if (event.Records[0]?.attributes.ApproximateReceiveCount === "1") await sleep(600);
      return undefined;
    });
    const poller = startPoller(queue, handler, { timeoutMs: 200 });

    await waitFor("the timed-out message to be redelivered", () => deliveries("slow").length === 2);
    await poller.idle();
    expect(deliveries("slow")).toEqual(["1", "2"]);
    expect(await messagesLeft(queue.queueUrl)).toBe(0);
  });

  it("gathers messages that arrive within the batching window into one batch", async () => {
    const queue = await createQueues();
    const { handler, batches } = recordingHandler();
    // Well inside the 1 s visibility timeout: a longer window would see "one" become visible again and
    // gather it twice, which is why AWS wants the visibility timeout to cover window plus function timeout.
    startPoller(queue, handler, { maxBatchingWindowSeconds: 0.5 });

    await sendBodies(queue.queueUrl, ["one"]);
    await sleep(100);
    await sendBodies(queue.queueUrl, ["two"]);
    await sleep(100);
    await sendBodies(queue.queueUrl, ["three"]);

    await waitFor("a batch", () => batches.length > 0);
    expect(batches.map((batch) => batch.map((record) => record.body))).toEqual([["one", "two", "three"]]);
  });

  it("runs at most maximumConcurrency batches at once", async () => {
    const queue = await createQueues();
    let running = 0;
    let mostAtOnce = 0;
    const { handler, batches } = recordingHandler(async () => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await sleep(300);
      running -= 1;
      return undefined;
    });
    await sendBodies(queue.queueUrl, ["1", "2", "3", "4", "5"]);
    const poller = startPoller(queue, handler, { batchSize: 1, maximumConcurrency: 2 });

    await waitFor("all five messages handled", () => batches.length === 5);
    await poller.idle();
    expect(mostAtOnce).toBe(2);
    expect(await messagesLeft(queue.queueUrl)).toBe(0);
  });

  it("lets an in-flight batch finish when stopped", async () => {
    const queue = await createQueues();
    let finished = false;
    const { handler, batches } = recordingHandler(async () => {
      await sleep(300);
      finished = true;
      return undefined;
    });
    await sendBodies(queue.queueUrl, ["in flight"]);
    const poller = startPoller(queue, handler);

    await waitFor("the batch to start", () => batches.length === 1);
    await poller.stop();
    expect(finished).toBe(true);
    expect(await messagesLeft(queue.queueUrl)).toBe(0);
  });

  it("reports SQS errors and keeps polling until stopped", async () => {
    const errors: unknown[] = [];
    const missing = {
      queueUrl: `${server.address}/000000000000/no-such-queue`,
      queueArn: "arn:aws:sqs:eu-west-1:000000000000:no-such-queue",
    };
    const poller = startPoller(missing, async () => undefined, { onError: (error) => errors.push(error) });

    await waitFor("two reported errors", () => errors.length >= 2);
    const stopStartedAt = Date.now();
    await poller.stop();
    expect(Date.now() - stopStartedAt).toBeLessThan(1_500);
    expect(errors[0]).toBeInstanceOf(Error);
  });
});
