import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { metrics as metricNames } from "../contract.ts";
import type { RejectedRequest } from "../domain/envelope.ts";
import { type FunctionMetrics, logger } from "../observability.ts";
import { AccessDeniedError, ToBeTextHttpError } from "./errors.ts";
import { type EndpointContext, type ReceivedRequest, readRequest } from "./received-request.ts";
import { apiGatewayStyleError, tobetextResponse, unavailable } from "./tobetext-answer.ts";

export interface ErrorHandlerOptions {
  /** The route's id, stored on rejections. */
  route: string;
  /** Bodies are kept up to this many bytes. */
  maxBodyBytes: number;
  /** Durably keeps a rejected request; if it throws, the caller is told to send again (503). */
  keepRejected: (rejected: RejectedRequest) => Promise<void>;
  metrics: FunctionMetrics;
}

/**
 * The last middleware: answers every error. A caller turned away (AccessDeniedError) gets API
 * Gateway's own 404/403, is counted and never kept; a refusal (ToBeTextHttpError) is kept, then
 * answered in ToBeText's format; anything else is answered 503, so ToBeText sends it again,
 * without any internal detail.
 */
export function tobetextErrorHandler(
  options: ErrorHandlerOptions,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, EndpointContext> {
  const fields = (received: ReceivedRequest) => ({ route: options.route, arrivalId: received.arrivalId });
  return {
    onError: async (request) => {
      const received = request.context.received ?? readRequest(request.event);
      const { error } = request;
      if (error instanceof AccessDeniedError) {
        const { status, reason } = error.denial;
        // An event, never the request: its body is whatever an unknown caller chose to send.
        logger.warn("request denied", {
          route: options.route,
          reason,
          sourceIp: received.sourceIp,
          method: received.method,
        });
        options.metrics.count(metricNames.names.denied);
        request.response = apiGatewayStyleError(status);
        return;
      }
      if (!(error instanceof ToBeTextHttpError)) {
        logger.error("request could not be accepted", { ...fields(received), error });
        options.metrics.count(metricNames.names.unavailable);
        request.response = unavailable(received.arrivalId);
        return;
      }
      try {
        await options.keepRejected(rejectionOf(options, received, error));
      } catch (keepError) {
        logger.error("rejected request could not be kept", { ...fields(received), error: keepError });
        options.metrics.count(metricNames.names.unavailable);
        request.response = unavailable(received.arrivalId);
        return;
      }
      logger.warn("request rejected", {
        ...fields(received),
        status: error.statusCode,
        errorCode: error.errorCode,
        reason: error.message,
      });
      options.metrics.count(metricNames.names.rejected);
      request.response = tobetextResponse(error.statusCode, {
        Status: "Failed",
        MsgId: received.arrivalId,
        SendNum: error.details.sendNum ?? "",
        RecvNum: error.details.recvNum ?? "",
        ErrorCode: error.errorCode,
        ErrorMsg: error.message,
      });
    },
  };
}

/** Headers that may carry credentials are not kept with a rejected request. */
const unkeptHeaders = new Set(["authorization", "cookie", "x-api-key"]);

function rejectionOf(
  options: ErrorHandlerOptions,
  received: ReceivedRequest,
  error: ToBeTextHttpError,
): RejectedRequest {
  const keptBody = received.body.subarray(0, options.maxBodyBytes);
  return {
    rejectionId: received.arrivalId,
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
