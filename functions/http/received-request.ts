import { randomUUID } from "node:crypto";
import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { logger } from "../observability.ts";

/** A request as received, with the id it is answered and stored under. */
export interface ReceivedRequest {
  /** 32 hex digits, like ToBeText's own MsgId; answered as MsgId and used as the record or rejection id. */
  arrivalId: string;
  /** API Gateway's id of the request (its access log's `requestId`), carried to the processor's log line. */
  apiRequestId: string | undefined;
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

type EdgeMiddleware = MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, EndpointContext>;

/** Reads what API Gateway hands the function into `context.received`; every log line of the request then names it. */
export function receivedRequest(): EdgeMiddleware {
  return {
    before: (request) => {
      request.context.received = readRequest(request.event);
      logger.appendKeys({
        apiRequestId: request.context.received.apiRequestId,
        arrivalId: request.context.received.arrivalId,
      });
    },
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
    arrivalId: randomUUID().replaceAll("-", ""),
    apiRequestId: event.requestContext?.requestId,
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
