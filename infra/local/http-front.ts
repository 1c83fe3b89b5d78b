/**
 * A local stand-in for an API Gateway HTTP API with Lambda proxy integrations (payload format 2.0).
 *
 * The handler modules that run on Lambda run here unchanged, so the event they receive and the way
 * their result becomes an HTTP response follow what API Gateway does, including its quirks: form posts
 * arrive base64-encoded, duplicate headers and query keys are joined with commas, and a result without
 * a statusCode is sent as a 200 JSON response.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2 | string | object | undefined>;

/** Matches any method on `path`, like an `ANY /path` route. */
export interface LocalRoute {
  path: string;
  handler: HttpHandler;
}

export interface HttpFrontOptions {
  routes: LocalRoute[];
  /** 0 picks a free port; the one chosen is reported on the result. */
  port: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  maxBodyBytes: number;
}

export interface RunningHttpFront {
  /** For example http://127.0.0.1:3000 */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** API Gateway stops waiting for an integration after 30 seconds and answers 503. */
const integrationTimeoutMs = 30_000;

const localAccountId = "000000000000";

/** A connection-level header, consumed by API Gateway and never forwarded to the integration. */
const hopByHopHeaders = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

export async function startHttpFront(options: HttpFrontOptions): Promise<RunningHttpFront> {
  const host = options.host ?? "127.0.0.1";
  const routesByPath = new Map(options.routes.map((route) => [route.path, route]));
  let port = options.port;

  const server = createServer((request, response) => {
    handleRequest(request, response, { routesByPath, host, port, maxBodyBytes: options.maxBodyBytes }).catch(
      (error: unknown) => {
        // A client that went away mid-request needs no answer and no log line.
        if ((error as { code?: unknown } | null)?.code === "ECONNRESET") return;
        console.error("[http-front] could not answer a request:", error);
        if (!response.headersSent) sendJson(response, 500, { message: "Internal Server Error" });
        else response.destroy();
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive connections would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

/**
 * A Lambda-like context. `region` defaults to AWS_REGION (set on Lambda) and only shapes the ARN.
 * The callback-era methods throw: the handlers here are async and must return or throw instead.
 */
export function lambdaContext(functionName: string, timeoutMs: number, region = defaultRegion()): Context {
  const deadline = Date.now() + timeoutMs;
  const unsupported = (method: string) => () => {
    throw new Error(`context.${method}() is not supported locally: return or throw from the async handler`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:${localAccountId}:function:${functionName}`,
    memoryLimitInMB: "128",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll("-", "/")}/[$LATEST]${randomBytes(16).toString("hex")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported("done"),
    fail: unsupported("fail"),
    succeed: unsupported("succeed"),
  };
}

function defaultRegion(): string {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
}

interface FrontState {
  routesByPath: Map<string, LocalRoute>;
  host: string;
  port: number;
  maxBodyBytes: number;
}

async function handleRequest(request: IncomingMessage, response: ServerResponse, state: FrontState): Promise<void> {
  const receivedAt = new Date();
  const requestId = apiGatewayRequestId();
  response.setHeader("apigw-requestid", requestId);

  const { rawPath, rawQueryString } = splitRequestTarget(request.url ?? "/");
  const route = state.routesByPath.get(rawPath);
  const body = await readBody(request, state.maxBodyBytes);

  if (!route) {
    sendJson(response, 404, { message: "Not Found" });
    return;
  }
  // API Gateway's own payload limit is 10 MB; ours is the much smaller limit the handlers also
  // enforce, so an oversized request is turned away here without invoking the function.
  if (body === "too large") {
    sendJson(response, 413, { message: "Request Entity Too Large" });
    return;
  }

  const routeKey = `ANY ${route.path}`;
  const event = buildEvent({ request, state, route: routeKey, rawPath, rawQueryString, body, requestId, receivedAt });
  const functionName = `local${route.path.replaceAll("/", "-")}`;

  let result: unknown;
  try {
    result = await withTimeout(
      Promise.resolve().then(() => route.handler(event, lambdaContext(functionName, integrationTimeoutMs))),
      integrationTimeoutMs,
    );
  } catch (error) {
    if (error instanceof IntegrationTimeout) {
      console.error(`[http-front] ${routeKey}: no response within ${integrationTimeoutMs} ms`);
      sendJson(response, 503, { message: "Service Unavailable" });
      return;
    }
    console.error(`[http-front] ${routeKey}: handler failed:`, error);
    sendJson(response, 500, { message: "Internal Server Error" });
    return;
  }

  const reply = toHttpReply(result);
  if (!reply) {
    console.error(`[http-front] ${routeKey}: malformed Lambda proxy response:`, result);
    sendJson(response, 500, { message: "Internal Server Error" });
    return;
  }
  response.statusCode = reply.statusCode;
  for (const [name, value] of Object.entries(reply.headers)) response.setHeader(name, value);
  if (reply.cookies.length > 0) response.setHeader("set-cookie", reply.cookies);
  response.end(reply.body);
}

/** Splits an origin-form target ("/path?query") without decoding either part, as rawPath needs. */
function splitRequestTarget(target: string): { rawPath: string; rawQueryString: string } {
  const path = originForm(target);
  const questionMark = path.indexOf("?");
  if (questionMark === -1) return { rawPath: path, rawQueryString: "" };
  return { rawPath: path.slice(0, questionMark), rawQueryString: path.slice(questionMark + 1) };
}

/** A proxy-style absolute target ("http://host/path") reduced to "/path"; "*" and the like kept as they are. */
function originForm(target: string): string {
  if (target.startsWith("/")) return target;
  try {
    const url = new URL(target);
    return `${url.pathname}${url.search}`;
  } catch {
    return target;
  }
}

/**
 * Reads the whole body, or answers "too large" once it passes the limit. Past the limit the rest is
 * read and discarded rather than kept, so the client can finish sending and read the 413.
 */
async function readBody(request: IncomingMessage, maxBodyBytes: number): Promise<Buffer | "too large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    if (tooLarge) continue;
    size += chunk.length;
    if (size > maxBodyBytes) {
      tooLarge = true;
      chunks.length = 0;
      continue;
    }
    chunks.push(chunk);
  }
  return tooLarge ? "too large" : Buffer.concat(chunks);
}

interface EventParts {
  request: IncomingMessage;
  state: FrontState;
  route: string;
  rawPath: string;
  rawQueryString: string;
  body: Buffer;
  requestId: string;
  receivedAt: Date;
}

function buildEvent(parts: EventParts): APIGatewayProxyEventV2 {
  const { request, state, rawPath, rawQueryString, body, receivedAt } = parts;
  const headers = joinedHeaders(request.rawHeaders);
  const cookies = headers.cookie
    ?.split(";")
    .map((cookie) => cookie.trim())
    .filter((cookie) => cookie.length > 0);
  delete headers.cookie;

  const sourceIp = (request.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
  // API Gateway adds these on its way to the integration; X-Forwarded-For gains the client address.
  headers["x-forwarded-for"] = headers["x-forwarded-for"] ? `${headers["x-forwarded-for"]}, ${sourceIp}` : sourceIp;
  headers["x-forwarded-port"] = String(state.port);
  headers["x-forwarded-proto"] = "http";
  headers["x-amzn-trace-id"] = traceId(receivedAt);

  const domainName = headers.host ?? `${state.host}:${state.port}`;
  const queryStringParameters = parseQueryString(rawQueryString);
  const bodyFields = eventBody(body, headers["content-type"], headers["content-encoding"]);

  return {
    version: "2.0",
    routeKey: parts.route,
    rawPath,
    rawQueryString,
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: localAccountId,
      apiId: "local",
      domainName,
      domainPrefix: domainName.replace(/:\d+$/, "").split(".")[0] ?? domainName,
      http: {
        method: request.method ?? "GET",
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: parts.requestId,
      routeKey: parts.route,
      stage: "$default",
      time: accessLogTime(receivedAt),
      timeEpoch: receivedAt.getTime(),
    },
    ...bodyFields,
  };
}

/** Lower-cased names; a repeated header becomes one value joined with "," as API Gateway does. */
function joinedHeaders(rawHeaders: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] as string).toLowerCase();
    const value = rawHeaders[index + 1] as string;
    if (hopByHopHeaders.has(name)) continue;
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    else headers[name] = `${previous}${name === "cookie" ? ";" : ","}${value}`;
  }
  return headers;
}

/** Decoded keys and values ("+" as a space), repeated keys joined with ","; undefined when empty. */
function parseQueryString(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === "") return undefined;
  const parameters: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    const previous = parameters[key];
    parameters[key] = previous === undefined ? value : `${previous},${value}`;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

/** The media types API Gateway HTTP APIs pass to Lambda as text; everything else is base64-encoded. */
function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return (
    mediaType.startsWith("text/") ||
    mediaType === "application/json" ||
    mediaType === "application/xml" ||
    mediaType === "application/javascript" ||
    /^application\/[^/]+\+(json|xml)$/.test(mediaType)
  );
}

function eventBody(
  body: Buffer,
  contentType: string | undefined,
  contentEncoding: string | undefined,
): { body?: string; isBase64Encoded: boolean } {
  if (body.length === 0) return { isBase64Encoded: false };
  if (isTextContentType(contentType) && !contentEncoding)
    return { body: body.toString("utf8"), isBase64Encoded: false };
  return { body: body.toString("base64"), isBase64Encoded: true };
}

interface HttpReply {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * Turns a handler result into a response the way API Gateway reads payload format 2.0: an object
 * with statusCode is a structured response; anything else is the body of a 200 JSON response.
 * Undefined when a structured response is malformed (API Gateway then answers 500).
 */
function toHttpReply(result: unknown): HttpReply | undefined {
  if (typeof result === "object" && result !== null && "statusCode" in result) {
    const structured = result as APIGatewayProxyStructuredResultV2;
    const { statusCode, body = "", headers = {}, cookies = [] } = structured;
    if (!Number.isInteger(statusCode) || (statusCode as number) < 100 || (statusCode as number) > 599) return undefined;
    if (typeof body !== "string" || !Array.isArray(cookies)) return undefined;
    return {
      statusCode: statusCode as number,
      headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)])),
      cookies,
      body: structured.isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body, "utf8"),
    };
  }
  // Lambda serializes an undefined result as JSON null.
  const body = typeof result === "string" ? result : (JSON.stringify(result) ?? "null");
  return { statusCode: 200, headers: { "content-type": "application/json" }, cookies: [], body: Buffer.from(body) };
}

function sendJson(response: ServerResponse, statusCode: number, payload: object): void {
  response.statusCode = statusCode;
  response.setHeader("content-type", "application/json");
  response.end(JSON.stringify(payload));
}

class IntegrationTimeout extends Error {
  override name = "IntegrationTimeout";
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new IntegrationTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Shaped like API Gateway's ids, e.g. "Vq9dliSrIAMEJSQ=". */
function apiGatewayRequestId(): string {
  return randomBytes(11).toString("base64");
}

/** X-Ray's format: Root=1-<epoch seconds in hex>-<96 random bits in hex>. */
function traceId(at: Date): string {
  return `Root=1-${Math.floor(at.getTime() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
}

const monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** requestContext.time's format, e.g. "25/Nov/2026:04:35:04 +0000". */
function accessLogTime(at: Date): string {
  const twoDigits = (value: number) => String(value).padStart(2, "0");
  const date = `${twoDigits(at.getUTCDate())}/${monthNames[at.getUTCMonth()]}/${at.getUTCFullYear()}`;
  const time = `${twoDigits(at.getUTCHours())}:${twoDigits(at.getUTCMinutes())}:${twoDigits(at.getUTCSeconds())}`;
  return `${date}:${time} +0000`;
}
