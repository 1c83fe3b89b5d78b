/**
 * The event an API Gateway HTTP API hands a Lambda proxy integration (payload format 2.0), and how it
 * reads the function's result, including its quirks: header names lower-cased, duplicate headers and
 * query keys joined with commas, cookies in a field of their own, any body but text base64-encoded
 * (forms too), and a result without a statusCode sent as a 200 JSON response. The fixtures in
 * test/integration/fixtures/api-gateway/ are events as API Gateway sends them; the tests hold these to them.
 */
import { randomBytes } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { localAccountId } from "./invoke.ts";

/** Lambda's quota for a synchronous invocation's request payload: 6 MB, exactly 6,291,456 bytes. */
export const lambdaMaxRequestPayloadBytes = 6 * 1024 * 1024;

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

/** The request as received, and what API Gateway knows of it: the route it matched, its id and time. */
export interface ReceivedRequest {
  method: string;
  /** "1.1" */
  httpVersion: string;
  /** As node:http gives them: name, value, name, value, ... in the order sent. */
  rawHeaders: string[];
  /** The client's address; an IPv4-mapped IPv6 address is reported as the IPv4 one. */
  remoteAddress: string;
  /** Where the front listens: the domain name when the request has no Host header, and X-Forwarded-Port. */
  listener: { host: string; port: number };
  routeKey: string;
  pathParameters: Record<string, string> | undefined;
  rawPath: string;
  rawQueryString: string;
  body: Buffer;
  requestId: string;
  receivedAt: Date;
}

export function buildEvent(request: ReceivedRequest): APIGatewayProxyEventV2 {
  const { listener, pathParameters, rawPath, rawQueryString, receivedAt } = request;
  const headers = joinedHeaders(request.rawHeaders);
  const cookies = headers.cookie
    ?.split(";")
    .map((cookie) => cookie.trim())
    .filter((cookie) => cookie.length > 0);
  delete headers.cookie;

  const sourceIp = request.remoteAddress.replace(/^::ffff:/, "");
  // API Gateway adds these on its way to the integration; X-Forwarded-For gains the client address.
  headers["x-forwarded-for"] = headers["x-forwarded-for"] ? `${headers["x-forwarded-for"]}, ${sourceIp}` : sourceIp;
  headers["x-forwarded-port"] = String(listener.port);
  headers["x-forwarded-proto"] = "http";
  headers["x-amzn-trace-id"] = traceId(receivedAt);

  const domainName = headers.host ?? `${listener.host}:${listener.port}`;
  const queryStringParameters = parseQueryString(rawQueryString);

  return {
    version: "2.0",
    routeKey: request.routeKey,
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
        method: request.method,
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: request.requestId,
      routeKey: request.routeKey,
      stage: "$default",
      time: accessLogTime(receivedAt),
      timeEpoch: receivedAt.getTime(),
    },
    ...eventBody(request.body, headers["content-type"], headers["content-encoding"]),
  };
}

/** Whether Lambda accepts the event as a synchronous invocation's payload: the whole event, as JSON. */
export function fitsLambdaPayload(event: APIGatewayProxyEventV2, maxBytes = lambdaMaxRequestPayloadBytes): boolean {
  return Buffer.byteLength(JSON.stringify(event)) <= maxBytes;
}

/** Splits an origin-form target ("/path?query") without decoding either part, as rawPath needs. */
export function splitRequestTarget(target: string): { rawPath: string; rawQueryString: string } {
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

export interface HttpReply {
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
export function toHttpReply(result: unknown): HttpReply | undefined {
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

/** Shaped like API Gateway's ids, e.g. "Vq9dliSrIAMEJSQ=". */
export function apiGatewayRequestId(): string {
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
