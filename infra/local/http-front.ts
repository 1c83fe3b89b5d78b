/**
 * A local stand-in for an API Gateway HTTP API with Lambda proxy integrations (payload format 2.0).
 *
 * The handler modules that run on Lambda run here unchanged, so the event they receive and the way
 * their result becomes an HTTP response follow what API Gateway does, including its quirks: form posts
 * arrive base64-encoded, duplicate headers and query keys are joined with commas, and a result without
 * a statusCode is sent as a 200 JSON response.
 *
 * Routes may carry `{name}` path variables and per-route throttling, matched and enforced the way
 * API Gateway does: a literal route wins over a templated one, and a throttled request is answered
 * 429 without invoking the function.
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
  /**
   * The resource path, e.g. `/inbound`. A whole segment may be a path variable, `{name}`, which matches
   * exactly one non-empty segment and reaches the handler URL-decoded as `event.pathParameters.name`;
   * the event's routeKey then names the template (`ANY /inbound/{secret}`) while rawPath stays the
   * concrete path. A literal route wins over a templated one that also matches; among templated routes,
   * the one with a literal segment where the others have a variable wins. Greedy `{name+}` variables
   * are not supported.
   */
  path: string;
  /** Several routes may share one handler, as several API Gateway routes may share one integration. */
  handler: HttpHandler;
  /**
   * Route throttling, as API Gateway's route settings (ThrottlingRateLimit and ThrottlingBurstLimit):
   * a token bucket per route that holds up to `burstLimit` requests and refills continuously at
   * `rateLimitPerSecond`. A request that finds the bucket empty is answered 429
   * `{"message":"Too Many Requests"}` without invoking the handler. Zero for either blocks the route
   * once the bucket is empty (a `burstLimit` of 0 blocks it outright). Unthrottled when omitted.
   */
  throttle?: RouteThrottle;
}

/** Route-level throttling limits, named as in API Gateway's route settings. */
export interface RouteThrottle {
  /** Steady-state requests per second the bucket is refilled with; fractions allowed. */
  rateLimitPerSecond: number;
  /** How many requests the bucket holds, and so the largest burst served at once; a whole number. */
  burstLimit: number;
}

export interface HttpFrontOptions {
  routes: LocalRoute[];
  /** 0 picks a free port; the one chosen is reported on the result. */
  port: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** API Gateway's own limit on a request body: a larger one is answered 413 without invoking the function. */
  maxBodyBytes: number;
  /**
   * Lambda's limit on a synchronous invocation's payload, which is the whole event (JSON), not only the
   * body: a request whose event would exceed it is answered 413 without invoking the function. Defaults to
   * Lambda's 6 MB; a body API Gateway base64-encodes grows by a third on the way, so about 4.5 MB of it fits.
   */
  maxEventBytes?: number;
}

/** Lambda's quota for a synchronous invocation's request payload: 6 MB, exactly 6,291,456 bytes. */
export const lambdaMaxRequestPayloadBytes = 6 * 1024 * 1024;

export interface RunningHttpFront {
  /** For example http://127.0.0.1:3000 */
  url: string;
  port: number;
  /**
   * Stops accepting connections and lets the requests in progress finish: each gets its answer (with
   * `Connection: close`) before close() resolves, so nothing a handler acknowledged goes unanswered.
   */
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
  // Built before listening, so a route API Gateway would refuse fails here rather than on a request.
  const router = buildRouter(options.routes);
  let port = options.port;
  /** Responses not yet sent in full (or abandoned by their client), for close() to wait on. */
  const inProgress = new Map<ServerResponse, Promise<void>>();
  let closing = false;

  const server = createServer((request, response) => {
    // A request that slips in on an open connection while closing is still answered, then the connection ends.
    if (closing) response.shouldKeepAlive = false;
    inProgress.set(
      response,
      new Promise((resolve) => response.once("close", resolve)).then(() => {
        inProgress.delete(response);
      }),
    );
    const { maxBodyBytes, maxEventBytes = lambdaMaxRequestPayloadBytes } = options;
    handleRequest(request, response, { router, host, port, maxBodyBytes, maxEventBytes }).catch((error: unknown) => {
      // A client that went away mid-request needs no answer and no log line.
      if ((error as { code?: unknown } | null)?.code === "ECONNRESET") return;
      console.error("[http-front] could not answer a request:", error);
      if (!response.headersSent) sendJson(response, 500, { message: "Internal Server Error" });
      else response.destroy();
    });
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
    close: async () => {
      closing = true;
      const closed = new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
      });
      // Idle keep-alive connections would otherwise hold close() open; busy ones end after their answer.
      server.closeIdleConnections();
      for (const response of inProgress.keys()) {
        if (!response.headersSent) response.shouldKeepAlive = false;
      }
      await Promise.all(inProgress.values());
      // Whatever is left carries no request in progress (a client that connected and sent nothing).
      server.closeAllConnections();
      await closed;
    },
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
  router: Router;
  host: string;
  port: number;
  maxBodyBytes: number;
  maxEventBytes: number;
}

async function handleRequest(request: IncomingMessage, response: ServerResponse, state: FrontState): Promise<void> {
  const receivedAt = new Date();
  const requestId = apiGatewayRequestId();
  response.setHeader("apigw-requestid", requestId);

  const { rawPath, rawQueryString } = splitRequestTarget(request.url ?? "/");
  const match = state.router.match(rawPath);
  // Throttled as the request arrives, before its body is read; a refused request takes no token.
  const throttled = match?.route.bucket?.tryTake() === false;
  const body = await readBody(request, state.maxBodyBytes);

  if (!match) {
    sendJson(response, 404, { message: "Not Found" });
    return;
  }
  if (throttled) {
    sendJson(response, 429, { message: "Too Many Requests" });
    return;
  }
  // Over API Gateway's own body limit: turned away without invoking the function.
  if (body === "too large") {
    sendJson(response, 413, { message: "Request Entity Too Large" });
    return;
  }

  const { route, routeKey, functionName } = match.route;
  const event = buildEvent({
    request,
    state,
    route: routeKey,
    pathParameters: match.pathParameters,
    rawPath,
    rawQueryString,
    body,
    requestId,
    receivedAt,
  });
  // Lambda refuses an invocation over its payload quota, so the function never runs. What an HTTP API
  // answers then is not documented: 413, as for its own body limit.
  if (Buffer.byteLength(JSON.stringify(event)) > state.maxEventBytes) {
    sendJson(response, 413, { message: "Request Entity Too Large" });
    return;
  }

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

/** One LocalRoute, prepared for matching, with its own throttling bucket. */
interface CompiledRoute {
  route: LocalRoute;
  /** "ANY " and the path as written, template included, as the event's routeKey shows it. */
  routeKey: string;
  /** The path split on "/": literal text, or the variable name of a `{name}` segment. */
  segments: PathSegment[];
  bucket: TokenBucket | undefined;
  /** A valid Lambda function name derived from the path, e.g. "local-inbound-secret". */
  functionName: string;
}

type PathSegment = { literal: string } | { variable: string };

interface RouteMatch {
  route: CompiledRoute;
  /** Undefined for a route without path variables, so the event omits pathParameters as API Gateway does. */
  pathParameters: Record<string, string> | undefined;
}

interface Router {
  match(rawPath: string): RouteMatch | undefined;
}

/**
 * Compiles the routes and checks them the way API Gateway checks route keys: each must be a path of
 * literal segments and whole-segment `{name}` variables, and no two may be the same route.
 */
function buildRouter(routes: LocalRoute[]): Router {
  const literalRoutes = new Map<string, CompiledRoute>();
  const templatedRoutes: CompiledRoute[] = [];
  const shapes = new Map<string, string>();

  for (const route of routes) {
    const compiled = compileRoute(route);
    // Routes that differ only in their variables' names would match the same requests.
    const shape = JSON.stringify(
      compiled.segments.map((segment) => ("literal" in segment ? segment.literal : { variable: true })),
    );
    const clash = shapes.get(shape);
    if (clash !== undefined) {
      throw new Error(
        clash === compiled.routeKey
          ? `Route ${compiled.routeKey} is defined twice`
          : `Routes ${clash} and ${compiled.routeKey} would match the same requests`,
      );
    }
    shapes.set(shape, compiled.routeKey);
    if (compiled.segments.every((segment) => "literal" in segment)) literalRoutes.set(route.path, compiled);
    else templatedRoutes.push(compiled);
  }
  templatedRoutes.sort((first, second) => compareSpecificity(first.segments, second.segments));

  return {
    match(rawPath) {
      const literal = literalRoutes.get(rawPath);
      if (literal) return { route: literal, pathParameters: undefined };
      const requestSegments = rawPath.split("/");
      for (const route of templatedRoutes) {
        const pathParameters = matchTemplate(route.segments, requestSegments);
        if (pathParameters) return { route, pathParameters };
      }
      return undefined;
    },
  };
}

function compileRoute(route: LocalRoute): CompiledRoute {
  const routeKey = `ANY ${route.path}`;
  if (!route.path.startsWith("/")) throw new Error(`Route ${routeKey}: the path must start with "/"`);
  const names = new Set<string>();
  const segments = route.path.split("/").map((segment): PathSegment => {
    if (!segment.includes("{") && !segment.includes("}")) return { literal: segment };
    const variable = /^\{([^{}/+]+)(\+?)\}$/.exec(segment);
    if (!variable) throw new Error(`Route ${routeKey}: a path variable must be a whole segment, "{name}"`);
    const [, name = "", greedy] = variable;
    if (greedy) throw new Error(`Route ${routeKey}: greedy path variables ("{${name}+}") are not supported locally`);
    if (names.has(name)) throw new Error(`Route ${routeKey}: path variable "${name}" is used twice`);
    names.add(name);
    return { variable: name };
  });
  return {
    route,
    routeKey,
    segments,
    bucket: route.throttle ? new TokenBucket(route.throttle, routeKey) : undefined,
    functionName: `local${route.path.replaceAll("/", "-").replace(/[^A-Za-z0-9_-]/g, "")}`,
  };
}

/**
 * Orders templated routes most specific first: at the first segment where one has a literal and the
 * other a variable, the literal wins (so `/inbound/status/{id}` is tried before `/inbound/{secret}/{id}`).
 */
function compareSpecificity(first: PathSegment[], second: PathSegment[]): number {
  for (let index = 0; index < Math.min(first.length, second.length); index += 1) {
    const firstIsLiteral = "literal" in (first[index] as PathSegment);
    const secondIsLiteral = "literal" in (second[index] as PathSegment);
    if (firstIsLiteral !== secondIsLiteral) return firstIsLiteral ? -1 : 1;
  }
  return first.length - second.length;
}

/**
 * The URL-decoded path parameters when the raw request segments fit the template, else undefined.
 * Literal segments compare raw, as literal routes do; a variable takes exactly one non-empty segment.
 */
function matchTemplate(template: PathSegment[], requestSegments: string[]): Record<string, string> | undefined {
  if (template.length !== requestSegments.length) return undefined;
  const pathParameters: Record<string, string> = {};
  for (const [index, segment] of template.entries()) {
    const requestSegment = requestSegments[index] as string;
    if ("literal" in segment) {
      if (segment.literal !== requestSegment) return undefined;
    } else {
      if (requestSegment === "") return undefined;
      pathParameters[segment.variable] = decodePathSegment(requestSegment);
    }
  }
  return pathParameters;
}

/** Percent-decoded ("+" stays a plus in a path); a malformed escape leaves the segment as sent. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * API Gateway's throttling algorithm: a bucket of up to `burstLimit` tokens, full at the start and
 * refilled continuously at `rateLimitPerSecond`; each request served takes one whole token.
 */
class TokenBucket {
  private readonly ratePerMs: number;
  private readonly capacity: number;
  private tokens: number;
  private refilledAt: number;

  constructor(throttle: RouteThrottle, routeKey: string) {
    const { rateLimitPerSecond, burstLimit } = throttle;
    if (!Number.isFinite(rateLimitPerSecond) || rateLimitPerSecond < 0) {
      throw new Error(`Route ${routeKey}: throttle.rateLimitPerSecond must be a number of at least 0`);
    }
    if (!Number.isSafeInteger(burstLimit) || burstLimit < 0) {
      throw new Error(`Route ${routeKey}: throttle.burstLimit must be a whole number of at least 0`);
    }
    this.ratePerMs = rateLimitPerSecond / 1000;
    this.capacity = burstLimit;
    this.tokens = burstLimit;
    this.refilledAt = performance.now();
  }

  /** Takes a token if there is one; a refused request takes nothing. */
  tryTake(now = performance.now()): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.refilledAt) * this.ratePerMs);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
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
  pathParameters: Record<string, string> | undefined;
  rawPath: string;
  rawQueryString: string;
  body: Buffer;
  requestId: string;
  receivedAt: Date;
}

function buildEvent(parts: EventParts): APIGatewayProxyEventV2 {
  const { request, state, pathParameters, rawPath, rawQueryString, body, receivedAt } = parts;
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
    ...(pathParameters ? { pathParameters } : {}),
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
