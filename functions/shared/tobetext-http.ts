import { randomUUID } from "node:crypto";
import type { BlockList } from "node:net";
import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { XMLBuilder } from "fast-xml-parser";
import { metrics, secretPathParameter } from "../contract.ts";
import type { UrlSecrets } from "../adapters/url-secrets.ts";
import type { RejectedRequest } from "../domain/envelope.ts";
import { resultCodes, type ToBeTextResult } from "../domain/tobetext-result.ts";
import { checkAccess, type Denial } from "./access.ts";
import { emitMetric, logger } from "./logger.ts";
import { UnreadableRequestError, UnsupportedContentTypeError } from "./request-fields.ts";

/** A request as received, with the id it is answered and stored under. */
export interface ReceivedRequest {
  /** 32 hex digits, like ToBeText's own MsgId; answered as MsgId and used as the record or rejection id. */
  deliveryId: string;
  receivedAt: string;
  method: string;
  /** The route template (`ANY /inbound/{secret}`), never the path: the path holds the URL secret. */
  routeKey: string;
  rawQueryString: string;
  headers: Record<string, string>;
  sourceIp: string;
  contentType: string | undefined;
  body: Buffer;
}

export type EndpointContext = Context & { received: ReceivedRequest };

export interface RejectionDetails {
  fields?: Record<string, string>;
  sendNum?: string;
  recvNum?: string;
}

/** Thrown anywhere in an endpoint to answer in ToBeText's format; the request is kept with the reason. */
export class ToBeTextHttpError extends Error {
  override name = "ToBeTextHttpError";
  readonly statusCode: number;
  readonly errorCode: number;
  readonly details: RejectionDetails;

  constructor(statusCode: number, errorCode: number, reason: string, details: RejectionDetails = {}) {
    super(reason);
    this.statusCode = statusCode;
    this.errorCode = errorCode;
    this.details = details;
  }
}

/** Thrown before a request is read: it is answered like a route that does not exist, and never kept. */
export class AccessDeniedError extends Error {
  override name = "AccessDeniedError";
  readonly denial: Denial;

  constructor(denial: Denial) {
    super(denial.reason);
    this.denial = denial;
  }
}

export interface EndpointOptions {
  /** The route's key in the topology, stored on rejections. */
  route: string;
  /** Who may post: the valid URL secrets and the optional allowlist of caller addresses. */
  access: { secrets: UrlSecrets; allowedSources: BlockList | undefined };
  maxBodyBytes: number;
  /** Durably keeps a rejected request; if it throws, the caller is told to retry (503). */
  keepRejected: (rejected: RejectedRequest) => Promise<void>;
}

/**
 * Everything a ToBeText endpoint does around its handler: reads the API Gateway event into
 * `context.received`; turns away, unread and unkept, callers without the URL secret (404, as if
 * there were no such route) or outside the allowlist (403); turns away wrong methods (405),
 * oversized bodies (413) and media types ToBeText does not send (415); and answers
 * every error in `<ToBeTextResult>` form. Rejected requests are kept before the answer; an
 * unexpected failure answers 503, so ToBeText retries, without any internal detail.
 */
export function tobetextEndpoint(
  options: EndpointOptions,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, EndpointContext> {
  return {
    before: async (request) => {
      const received = readRequest(request.event);
      request.context.received = received;
      const denial = checkAccess(
        received.sourceIp,
        request.event.pathParameters?.[secretPathParameter],
        await options.access.secrets(),
        options.access.allowedSources,
      );
      if (denial) throw new AccessDeniedError(denial);
      if (received.method !== "POST") {
        throw new ToBeTextHttpError(405, 405, `Method ${received.method} is not allowed; ToBeText posts`);
      }
      if (received.body.length > options.maxBodyBytes) {
        throw new ToBeTextHttpError(413, 413, `Body of ${received.body.length} bytes exceeds ${options.maxBodyBytes}`);
      }
    },
    onError: async (request) => {
      const received = request.context.received ?? readRequest(request.event);
      if (request.error instanceof AccessDeniedError) {
        const { status, reason } = request.error.denial;
        // An event, never the request: its body is whatever an unknown caller chose to send.
        logger.warn("request denied", {
          route: options.route,
          reason,
          sourceIp: received.sourceIp,
          method: received.method,
        });
        emitMetric(metrics.names.denied, { dimensions: { route: options.route } });
        request.response = apiGatewayStyleError(status);
        return;
      }
      const error =
        request.error instanceof UnsupportedContentTypeError
          ? new ToBeTextHttpError(415, resultCodes.badBody, request.error.message)
          : request.error instanceof UnreadableRequestError
            ? new ToBeTextHttpError(400, resultCodes.badBody, request.error.message)
            : request.error;
      if (!(error instanceof ToBeTextHttpError)) {
        logger.error("request could not be accepted", { route: options.route, deliveryId: received.deliveryId, error });
        emitMetric(metrics.names.unavailable, { dimensions: { route: options.route } });
        request.response = unavailable(received);
        return;
      }
      try {
        await options.keepRejected(rejectionOf(options, received, error));
      } catch (keepError) {
        logger.error("rejected request could not be kept", {
          route: options.route,
          deliveryId: received.deliveryId,
          error: keepError,
        });
        emitMetric(metrics.names.unavailable, { dimensions: { route: options.route } });
        request.response = unavailable(received);
        return;
      }
      logger.warn("request rejected", {
        route: options.route,
        deliveryId: received.deliveryId,
        status: error.statusCode,
        errorCode: error.errorCode,
        reason: error.message,
      });
      emitMetric(metrics.names.rejected, { dimensions: { route: options.route } });
      request.response = tobetextResponse(error.statusCode, {
        Status: "Failed",
        MsgId: received.deliveryId,
        SendNum: error.details.sendNum ?? "",
        RecvNum: error.details.recvNum ?? "",
        ErrorCode: error.errorCode,
        ErrorMsg: error.message,
      });
    },
  };
}

/** What API Gateway itself answers for a route that does not exist (404) or a refused caller (403). */
function apiGatewayStyleError(status: 403 | 404): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: status === 404 ? "Not Found" : "Forbidden" }),
  };
}

function unavailable(received: ReceivedRequest): APIGatewayProxyStructuredResultV2 {
  return tobetextResponse(503, {
    Status: "Failed",
    MsgId: received.deliveryId,
    SendNum: "",
    RecvNum: "",
    ErrorCode: 503,
    ErrorMsg: "Temporarily unable to accept the message; please send it again",
  });
}

const xml = new XMLBuilder({ format: false, processEntities: true });

/**
 * Characters XML 1.0 cannot carry, escaped or not (control characters, U+FFFE/U+FFFF, lone
 * surrogates). An echoed SendNum or RecvNum may hold any of them: they are answered as U+FFFD,
 * so that every answer is well-formed XML. The request itself is kept as received.
 */
const notXmlCharacters = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function tobetextResponse(statusCode: number, result: ToBeTextResult): APIGatewayProxyStructuredResultV2 {
  const printable = Object.fromEntries(
    Object.entries(result).map(([name, value]) => [
      name,
      typeof value === "string" ? value.replace(notXmlCharacters, "\uFFFD") : value,
    ]),
  );
  return {
    statusCode,
    headers: {
      "content-type": "application/xml; charset=utf-8",
      ...(statusCode === 405 ? { allow: "POST" } : {}),
    },
    body: `<?xml version="1.0" encoding="UTF-8"?>${xml.build({ ToBeTextResult: printable })}`,
  };
}

/** Reads what API Gateway (payload 2.0) hands a function: base64 bodies included. */
export function readRequest(event: APIGatewayProxyEventV2): ReceivedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const timeEpoch = event.requestContext?.timeEpoch;
  return {
    deliveryId: randomUUID().replaceAll("-", ""),
    receivedAt: new Date(typeof timeEpoch === "number" ? timeEpoch : Date.now()).toISOString(),
    method: event.requestContext?.http?.method?.toUpperCase() ?? "POST",
    routeKey: event.routeKey ?? "",
    rawQueryString: event.rawQueryString ?? "",
    headers,
    sourceIp: event.requestContext?.http?.sourceIp ?? "",
    contentType: headers["content-type"],
    body:
      event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8"),
  };
}

/** Headers that may carry credentials are not kept with a rejected request. */
const unkeptHeaders = new Set(["authorization", "cookie", "x-api-key"]);

function rejectionOf(options: EndpointOptions, received: ReceivedRequest, error: ToBeTextHttpError): RejectedRequest {
  const keptBody = received.body.subarray(0, options.maxBodyBytes);
  return {
    rejectionId: received.deliveryId,
    route: options.route,
    receivedAt: received.receivedAt,
    httpStatus: error.statusCode,
    errorCode: error.errorCode,
    reason: error.message,
    request: {
      method: received.method,
      routeKey: received.routeKey,
      rawQueryString: received.rawQueryString,
      headers: Object.fromEntries(Object.entries(received.headers).filter(([name]) => !unkeptHeaders.has(name))),
      sourceIp: received.sourceIp,
      bodyBase64: keptBody.toString("base64"),
      bodyBytes: received.body.length,
      bodyTruncated: keptBody.length < received.body.length,
    },
    ...(error.details.fields ? { fields: error.details.fields } : {}),
  };
}
