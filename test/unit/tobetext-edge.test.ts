import { BlockList } from "node:net";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it, vi } from "vitest";
import type { RejectedRequest } from "../../functions/domain/envelope.ts";
import { decodeRequestFields } from "../../functions/http/decoding/index.ts";
import { ToBeTextHttpError } from "../../functions/http/errors.ts";
import { tobetextEdge } from "../../functions/http/receive-endpoint.ts";
import type { EndpointContext, ReceivedRequest } from "../../functions/http/received-request.ts";
import { tobetextResponse } from "../../functions/http/tobetext-answer.ts";
import { functionMetrics } from "../../functions/observability.ts";
import { captureMetrics } from "../support/metrics.ts";
import { lambdaContext } from "../support/sqs.ts";

// Metrics are read back here: on before functions/observability.ts creates them (the test configuration turns them off).
vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
});

const maxBodyBytes = 100;
const timeEpoch = Date.parse("2025-03-01T10:00:00.123Z");
const formBody = "SendNum=010-1234-5678&RecvNum=821098765432&Body=TOBE 안녕";

type Handler = (event: APIGatewayProxyEventV2, context: EndpointContext) => Promise<APIGatewayProxyStructuredResultV2>;

interface Setup {
  keepRejected?: (rejected: RejectedRequest) => Promise<void>;
  handler?: Handler;
  secrets?: readonly string[];
  allowedSources?: BlockList;
}

const secret = "current-secret-0123456789";

// Composed as receiveEndpoint composes it: the route a default dimension, metrics flushed once per invocation.
const metrics = functionMetrics({ route: "test" });

const ok: APIGatewayProxyStructuredResultV2 = { statusCode: 200, body: "accepted" };

function endpoint({
  keepRejected = async () => {},
  handler = async () => ok,
  secrets = [secret],
  allowedSources,
}: Setup = {}) {
  const keep = vi.fn(keepRejected);
  const inner = vi.fn(handler);
  const access = { secrets: async () => secrets, allowedSources };
  const wrapped = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, EndpointContext>()
    .use(logMetrics(metrics.emf))
    .use(tobetextEdge({ route: "test", access, maxBodyBytes, keepRejected: keep, metrics }))
    .handler(inner);
  const invoke = (event: APIGatewayProxyEventV2) => wrapped(event, lambdaContext("receiver") as EndpointContext);
  return { invoke, keep, inner };
}

function apiEvent({
  method = "POST",
  body = Buffer.from(formBody, "utf8"),
  headers = { "Content-Type": "application/x-www-form-urlencoded" },
  pathSecret = secret,
  sourceIp = "203.0.113.7",
}: {
  method?: string;
  body?: Buffer;
  headers?: Record<string, string>;
  /** null: a request to the bare path, with no secret segment at all. */
  pathSecret?: string | null;
  sourceIp?: string;
} = {}): APIGatewayProxyEventV2 {
  return {
    ...(pathSecret === null ? {} : { pathParameters: { secret: pathSecret } }),
    version: "2.0",
    routeKey: "ANY /mo/{secret}",
    rawPath: pathSecret === null ? "/mo" : `/mo/${pathSecret}`,
    rawQueryString: "a=1",
    headers,
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: {
        method,
        path: pathSecret === null ? "/mo" : `/mo/${pathSecret}`,
        protocol: "HTTP/1.1",
        sourceIp,
        userAgent: "Mozilla/5.0",
      },
      requestId: "req",
      routeKey: "ANY /mo/{secret}",
      stage: "$default",
      time: "01/Mar/2025:10:00:00 +0000",
      timeEpoch,
    },
    body: body.toString("base64"),
    isBase64Encoded: true,
  };
}

const throwsBadSendNum: Handler = async () => {
  throw new ToBeTextHttpError(400, 2004, "reason", {
    sendNum: "010-1234-567",
    recvNum: "821098765432",
    fields: { SendNum: "010-1234-567", RecvNum: "821098765432", Body: "TOBE 안녕" },
  });
};

const xml = new XMLParser({ parseTagValue: false });

function resultOf(response: APIGatewayProxyStructuredResultV2): Record<string, string> {
  expect(response.headers?.["content-type"]).toBe("application/xml; charset=utf-8");
  expect(typeof response.body).toBe("string");
  const parsed = xml.parse(response.body ?? "") as { ToBeTextResult?: Record<string, string> };
  expect(parsed.ToBeTextResult).toBeDefined();
  return parsed.ToBeTextResult ?? {};
}

function onlyKept(keep: { mock: { calls: [RejectedRequest][] } }): RejectedRequest {
  expect(keep.mock.calls).toHaveLength(1);
  const kept = keep.mock.calls[0]?.[0];
  if (kept === undefined) throw new Error("no rejection kept");
  return kept;
}

describe("tobetextEdge: the request handed to the handler", () => {
  it("puts the received request on context.received", async () => {
    let received: ReceivedRequest | undefined;
    const { invoke } = endpoint({
      handler: async (_event, context) => {
        received = context.received;
        return ok;
      },
    });
    const body = Buffer.from(formBody, "utf8");
    await expect(
      invoke(apiEvent({ body, headers: { "Content-Type": "text/plain", "X-Extra": "1" } })),
    ).resolves.toEqual(ok);
    expect(received?.arrivalId).toMatch(/^[0-9a-f]{32}$/);
    expect(received).toMatchObject({
      receivedAt: "2025-03-01T10:00:00.123Z",
      method: "POST",
      routeKey: "ANY /mo/{secret}",
      rawQueryString: "a=1",
      headers: { "content-type": "text/plain", "x-extra": "1" },
      sourceIp: "203.0.113.7",
      contentType: "text/plain",
    });
    expect(received?.body.equals(body)).toBe(true);
    expect(received?.body.toString("utf8")).toBe(formBody);
  });

  it("gives every request its own arrivalId", async () => {
    const ids: string[] = [];
    const { invoke } = endpoint({
      handler: async (_event, context) => {
        ids.push(context.received.arrivalId);
        return ok;
      },
    });
    await invoke(apiEvent());
    await invoke(apiEvent());
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("passes the handler's answer through and keeps nothing when it succeeds", async () => {
    const { invoke, keep } = endpoint();
    await expect(invoke(apiEvent())).resolves.toEqual(ok);
    expect(keep).not.toHaveBeenCalled();
  });

  it("accepts a body of exactly maxBodyBytes", async () => {
    const { invoke, inner } = endpoint();
    await expect(invoke(apiEvent({ body: Buffer.alloc(maxBodyBytes, 0x41) }))).resolves.toEqual(ok);
    expect(inner).toHaveBeenCalledOnce();
  });
});

describe("tobetextEdge: wrong method", () => {
  it("answers a GET with 405 and allow: POST, keeps it once and never calls the handler", async () => {
    const { invoke, keep, inner } = endpoint();
    const response = await invoke(apiEvent({ method: "GET", body: Buffer.alloc(0) }));
    expect(response.statusCode).toBe(405);
    expect(response.headers?.allow).toBe("POST");
    const result = resultOf(response);
    expect(result).toMatchObject({ Status: "Failed", ErrorCode: "405" });
    expect(inner).not.toHaveBeenCalled();
    const kept = onlyKept(keep);
    expect(kept).toMatchObject({
      route: "test",
      httpStatus: 405,
      errorCode: 405,
      receivedAt: "2025-03-01T10:00:00.123Z",
    });
    expect(kept.reason).toContain("GET");
    expect(kept.request).toMatchObject({
      method: "GET",
      routeKey: "ANY /mo/{secret}",
      sourceIp: "203.0.113.7",
      bodyBytes: 0,
    });
    expect(kept.rejectionId).toBe(result.MsgId);
  });
});

describe("tobetextEdge: body too large", () => {
  it("answers 413 and keeps the first maxBodyBytes bytes with the full size", async () => {
    const body = Buffer.from(Array.from({ length: 150 }, (_, index) => index));
    const { invoke, keep, inner } = endpoint();
    const response = await invoke(apiEvent({ body }));
    expect(response.statusCode).toBe(413);
    expect(response.headers).not.toHaveProperty("allow");
    expect(resultOf(response)).toMatchObject({ Status: "Failed", ErrorCode: "413" });
    expect(inner).not.toHaveBeenCalled();
    const kept = onlyKept(keep);
    expect(kept).toMatchObject({ httpStatus: 413, errorCode: 413 });
    expect(kept.request.bodyTruncated).toBe(true);
    expect(kept.request.bodyBytes).toBe(150);
    expect(Buffer.from(kept.request.bodyBase64, "base64").equals(body.subarray(0, maxBodyBytes))).toBe(true);
  });
});

describe("tobetextEdge: rejections thrown by the handler", () => {
  it("answers in ToBeText's format with the error code and echoed numbers", async () => {
    let arrivalId = "";
    const { invoke } = endpoint({
      handler: async (event, context) => {
        arrivalId = context.received.arrivalId;
        return throwsBadSendNum(event, context);
      },
    });
    const response = await invoke(apiEvent());
    expect(response.statusCode).toBe(400);
    expect(resultOf(response)).toEqual({
      Status: "Failed",
      MsgId: arrivalId,
      SendNum: "010-1234-567",
      RecvNum: "821098765432",
      ErrorCode: "2004",
      ErrorMsg: "reason",
    });
  });

  it("keeps the whole request with the reason and the fields", async () => {
    const { invoke, keep } = endpoint({ handler: throwsBadSendNum });
    await invoke(apiEvent());
    const kept = onlyKept(keep);
    expect(kept).toMatchObject({
      route: "test",
      httpStatus: 400,
      errorCode: 2004,
      reason: "reason",
      fields: { SendNum: "010-1234-567", RecvNum: "821098765432", Body: "TOBE 안녕" },
    });
    expect(kept.request).toMatchObject({
      method: "POST",
      routeKey: "ANY /mo/{secret}",
      rawQueryString: "a=1",
      bodyBytes: Buffer.byteLength(formBody),
      bodyTruncated: false,
    });
    expect(Buffer.from(kept.request.bodyBase64, "base64").toString("utf8")).toBe(formBody);
  });

  it("leaves out fields on the kept request when the error has none", async () => {
    const { invoke, keep } = endpoint({
      handler: async () => {
        throw new ToBeTextHttpError(400, 2005, "Body is empty");
      },
    });
    const response = await invoke(apiEvent());
    expect(resultOf(response)).toMatchObject({ SendNum: "", RecvNum: "", ErrorCode: "2005" });
    expect(onlyKept(keep)).not.toHaveProperty("fields");
  });

  // The handler decodes the body as receiveEndpoint's does: a body it cannot read is refused where that shows.
  it.each([
    ["an unreadable body as 400", "application/json", "{not json", 400, "invalid JSON body"],
    [
      "a media type ToBeText does not send as 415",
      "application/xml",
      "<SendNum>010</SendNum>",
      415,
      "unsupported content type application/xml",
    ],
  ])("answers %s with code 2005 and keeps the request", async (_label, contentType, body, status, reason) => {
    const { invoke, keep } = endpoint({
      handler: async (_event, context) => {
        await decodeRequestFields(context.received);
        return ok;
      },
    });
    const response = await invoke(apiEvent({ body: Buffer.from(body), headers: { "Content-Type": contentType } }));
    expect(response.statusCode).toBe(status);
    expect(resultOf(response)).toMatchObject({ Status: "Failed", ErrorCode: "2005", ErrorMsg: reason });
    expect(onlyKept(keep)).toMatchObject({ httpStatus: status, errorCode: 2005, reason });
  });

  it("does not keep credential headers with the request", async () => {
    const { invoke, keep } = endpoint({ handler: throwsBadSendNum });
    await invoke(
      apiEvent({
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Authorization: "Bearer secret-token",
          cookie: "session=secret-cookie",
          "x-api-key": "secret-key",
          "User-Agent": "Mozilla/5.0",
        },
      }),
    );
    const { headers } = onlyKept(keep).request;
    expect(headers).toEqual({ "content-type": "application/x-www-form-urlencoded", "user-agent": "Mozilla/5.0" });
    expect(JSON.stringify(headers)).not.toContain("secret");
  });

  it("answers 503 so ToBeText retries when the rejection cannot be kept, and counts it as Unavailable", async () => {
    const { invoke, keep } = endpoint({
      handler: throwsBadSendNum,
      keepRejected: async () => {
        throw new Error("queue unavailable");
      },
    });
    const metrics = captureMetrics();
    const response = await invoke(apiEvent()).finally(() => metrics.restore());
    expect(keep).toHaveBeenCalledOnce();
    expect(response.statusCode).toBe(503);
    expect(resultOf(response)).toMatchObject({ Status: "Failed", ErrorCode: "503" });
    expect(response.body).not.toContain("queue unavailable");
    expect(metrics.values("Unavailable")).toEqual([{ value: 1, dimensions: { service: "local", route: "test" } }]);
    expect(metrics.values("Rejected")).toEqual([]);
  });

  it("keeps no trace of the URL secret with a rejected request", async () => {
    const { invoke, keep } = endpoint({ handler: throwsBadSendNum });
    await invoke(apiEvent());
    expect(JSON.stringify(onlyKept(keep))).not.toContain(secret);
  });

  it("answers 503 when a wrong-method rejection cannot be kept", async () => {
    const { invoke } = endpoint({ keepRejected: () => Promise.reject(new Error("queue unavailable")) });
    const response = await invoke(apiEvent({ method: "PUT" }));
    expect(response.statusCode).toBe(503);
  });
});

describe("tobetextEdge: unexpected failures", () => {
  it("answers 503 without the error's message or stack, and keeps nothing", async () => {
    const error = new Error("connect ECONNREFUSED 10.0.0.1:443 secret-internal-host");
    let arrivalId = "";
    const { invoke, keep } = endpoint({
      handler: async (_event, context) => {
        arrivalId = context.received.arrivalId;
        throw error;
      },
    });
    const response = await invoke(apiEvent());
    expect(response.statusCode).toBe(503);
    const result = resultOf(response);
    expect(result).toMatchObject({ Status: "Failed", MsgId: arrivalId, ErrorCode: "503", SendNum: "", RecvNum: "" });
    expect(response.body).not.toContain(error.message);
    expect(response.body).not.toContain("secret-internal-host");
    expect(response.body).not.toMatch(/\bat .+:\d+:\d+/);
    expect(response.body).not.toContain("tobetext-edge.test.ts");
    expect(keep).not.toHaveBeenCalled();
  });
});

describe("access: the URL secret and the caller allowlist", () => {
  const notFound = { statusCode: 404, body: JSON.stringify({ message: "Not Found" }) };

  it.each([
    ["no secret", null],
    ["an empty secret", ""],
    ["a wrong secret", "current-secret-0123456780"],
    ["a prefix of the secret", secret.slice(0, -1)],
  ])("answers %s like a missing route, reads and keeps nothing", async (_name, pathSecret) => {
    const { invoke, keep, inner } = endpoint();
    const response = await invoke(apiEvent({ pathSecret }));
    expect(response).toMatchObject(notFound);
    expect(inner).not.toHaveBeenCalled();
    expect(keep).not.toHaveBeenCalled();
  });

  it("accepts the current and the previous secret during a rotation", async () => {
    const { invoke, inner } = endpoint({ secrets: ["new-secret-0123456789", secret] });
    expect(await invoke(apiEvent({ pathSecret: secret }))).toEqual(ok);
    expect(await invoke(apiEvent({ pathSecret: "new-secret-0123456789" }))).toEqual(ok);
    expect(inner).toHaveBeenCalledTimes(2);
  });

  it("checks the secret before the method: a GET without it learns nothing", async () => {
    const { invoke, keep } = endpoint();
    expect(await invoke(apiEvent({ method: "GET", pathSecret: null }))).toMatchObject(notFound);
    expect(keep).not.toHaveBeenCalled();
  });

  it("refuses a caller outside the allowlist with 403, and lets one inside through", async () => {
    const allowedSources = new BlockList();
    allowedSources.addSubnet("198.51.100.0", 24, "ipv4");
    const { invoke, inner, keep } = endpoint({ allowedSources });
    expect(await invoke(apiEvent({ sourceIp: "203.0.113.7" }))).toMatchObject({
      statusCode: 403,
      body: JSON.stringify({ message: "Forbidden" }),
    });
    expect(inner).not.toHaveBeenCalled();
    expect(keep).not.toHaveBeenCalled();
    expect(await invoke(apiEvent({ sourceIp: "198.51.100.20" }))).toEqual(ok);
  });
});

describe("tobetextEdge: metrics", () => {
  it.each([
    ["a request the handler answers", {}, {}, []],
    ["a refusal, kept", { handler: throwsBadSendNum }, {}, ["Rejected"]],
    ["a request without the URL secret", {}, { pathSecret: null }, ["Denied"]],
    ["an unexpected failure", { handler: () => Promise.reject(new Error("down")) }, {}, ["Unavailable"]],
  ] as const)("counts %s under %j", async (_label, setup, request, counted) => {
    const { invoke } = endpoint(setup);
    const captured = captureMetrics();
    await invoke(apiEvent(request)).finally(() => captured.restore());
    for (const name of ["Rejected", "Denied", "Unavailable"]) {
      expect(captured.values(name)).toEqual(
        (counted as readonly string[]).includes(name)
          ? [{ value: 1, dimensions: { service: "local", route: "test" } }]
          : [],
      );
    }
  });
});

describe("tobetextResponse: always well-formed XML", () => {
  const xmlCharacters = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

  it.each([
    ["NUL", "010\u00001234"],
    ["other control characters", "\u0001\u0008\u000B\u001F"],
    ["U+FFFE and U+FFFF", "\uFFFE\uFFFF"],
    ["a lone surrogate", "\uD800"],
  ])("answers %s echoed in SendNum/RecvNum as U+FFFD", (_label, number) => {
    const response = tobetextResponse(400, {
      Status: "Failed",
      MsgId: "m",
      SendNum: number,
      RecvNum: `<${number}&>`,
      ErrorCode: 2004,
      ErrorMsg: "bad",
    });
    expect(response.body).toMatch(xmlCharacters);
    expect(XMLValidator.validate(String(response.body))).toBe(true);
    const result = new XMLParser({ parseTagValue: false }).parse(String(response.body)).ToBeTextResult;
    expect(result.SendNum).toBe(number.replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/gu, "\uFFFD"));
    expect(result.RecvNum).toContain("&");
  });

  it("leaves Korean, emoji and ordinary numbers as they are", () => {
    const response = tobetextResponse(200, {
      Status: "Success",
      MsgId: "m",
      SendNum: "010-1234-5678",
      RecvNum: "+821012341234",
      ErrorCode: 200,
      ErrorMsg: "수신 완료 😀",
    });
    expect(response.body).toContain("<ErrorMsg>수신 완료 😀</ErrorMsg>");
    expect(response.body).toContain("<SendNum>010-1234-5678</SendNum>");
  });
});
