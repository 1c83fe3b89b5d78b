/**
 * A local stand-in for an API Gateway HTTP API with Lambda proxy integrations (payload format 2.0):
 * the HTTP server. It reads each request within API Gateway's body limit, throttles per route, hands
 * the function the event API Gateway would (api-gateway-event.ts) for the route it matches (router.ts),
 * waits for it no longer than API Gateway does, and answers with what it returned. The handler modules
 * that run on Lambda run here unchanged. Its errors are API Gateway's: 404, 413, 429, 500 and 503 with
 * the same short JSON bodies, the function not invoked for the first three.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import {
  apiGatewayRequestId,
  buildEvent,
  fitsLambdaPayload,
  splitRequestTarget,
  toHttpReply,
} from "./api-gateway-event.ts";
import { invokeWithTimeout, type LambdaHandler, LambdaTimeout } from "./invoke.ts";
import { buildRouter, type Router } from "./router.ts";
import { type RouteThrottle, TokenBucket } from "./throttle.ts";

export type HttpHandler = LambdaHandler<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2 | string | object | undefined
>;

/** Matches any method on `path`, like an `ANY /path` route. */
export interface LocalRoute {
  /**
   * The resource path, e.g. `/inbound`. Its last segment may be a path variable, `{name}`, which matches
   * exactly one non-empty segment and reaches the handler URL-decoded as `event.pathParameters.name`;
   * the event's routeKey then names the template (`ANY /inbound/{secret}`) while rawPath stays the
   * concrete path. A literal route wins over a templated one that also matches. See router.ts.
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

export async function startHttpFront(options: HttpFrontOptions): Promise<RunningHttpFront> {
  const host = options.host ?? "127.0.0.1";
  // Built before listening, so a route API Gateway would refuse fails here rather than on a request.
  const router = buildRouter(options.routes);
  const buckets = new Map<LocalRoute, TokenBucket>();
  for (const route of options.routes) {
    if (route.throttle) buckets.set(route, new TokenBucket(route.throttle, `ANY ${route.path}`));
  }
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
    const { maxBodyBytes, maxEventBytes } = options;
    const front = { router, buckets, host, port, maxBodyBytes, maxEventBytes };
    handleRequest(request, response, front).catch((error: unknown) => {
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

interface FrontState {
  router: Router<LocalRoute>;
  buckets: Map<LocalRoute, TokenBucket>;
  host: string;
  port: number;
  maxBodyBytes: number;
  maxEventBytes: number | undefined;
}

async function handleRequest(request: IncomingMessage, response: ServerResponse, front: FrontState): Promise<void> {
  const receivedAt = new Date();
  const requestId = apiGatewayRequestId();
  response.setHeader("apigw-requestid", requestId);

  const { rawPath, rawQueryString } = splitRequestTarget(request.url ?? "/");
  const match = front.router.match(rawPath);
  // Throttled as the request arrives, before its body is read; a refused request takes no token.
  const throttled = match && front.buckets.get(match.route)?.tryTake() === false;
  const body = await readBody(request, front.maxBodyBytes);

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

  const { route, routeKey, pathParameters } = match;
  const event = buildEvent({
    method: request.method ?? "GET",
    httpVersion: request.httpVersion,
    rawHeaders: request.rawHeaders,
    remoteAddress: request.socket.remoteAddress ?? "",
    listener: { host: front.host, port: front.port },
    routeKey,
    pathParameters,
    rawPath,
    rawQueryString,
    body,
    requestId,
    receivedAt,
  });
  // Lambda refuses an invocation over its payload quota, so the function never runs. What an HTTP API
  // answers then is not documented: 413, as for its own body limit.
  if (!fitsLambdaPayload(event, front.maxEventBytes)) {
    sendJson(response, 413, { message: "Request Entity Too Large" });
    return;
  }

  const outcome = await invokeWithTimeout(route.handler, event, {
    functionName: localFunctionName(route.path),
    timeoutMs: integrationTimeoutMs,
  });
  if (outcome.settled === "failed") {
    if (outcome.reason instanceof LambdaTimeout) {
      console.error(`[http-front] ${routeKey}: no response within ${integrationTimeoutMs} ms`);
      sendJson(response, 503, { message: "Service Unavailable" });
    } else {
      console.error(`[http-front] ${routeKey}: handler failed:`, outcome.reason);
      sendJson(response, 500, { message: "Internal Server Error" });
    }
    return;
  }

  const reply = toHttpReply(outcome.value);
  if (!reply) {
    console.error(`[http-front] ${routeKey}: malformed Lambda proxy response:`, outcome.value);
    sendJson(response, 500, { message: "Internal Server Error" });
    return;
  }
  response.statusCode = reply.statusCode;
  for (const [name, value] of Object.entries(reply.headers)) response.setHeader(name, value);
  if (reply.cookies.length > 0) response.setHeader("set-cookie", reply.cookies);
  response.end(reply.body);
}

/** A valid Lambda function name derived from the route's path, e.g. "local-inbound-secret". */
function localFunctionName(path: string): string {
  return `local${path.replaceAll("/", "-").replace(/[^A-Za-z0-9_-]/g, "")}`;
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

function sendJson(response: ServerResponse, statusCode: number, payload: object): void {
  response.statusCode = statusCode;
  response.setHeader("content-type", "application/json");
  response.end(JSON.stringify(payload));
}
