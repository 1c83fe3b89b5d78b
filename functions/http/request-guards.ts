/** What ToBeText never sends, refused before the body is read: one middleware per rule. */
import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { ToBeTextHttpError } from "./errors.ts";
import type { EndpointContext } from "./received-request.ts";

type Guard = MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, EndpointContext>;

/** ToBeText posts; anything else is answered 405 (and kept). The rule alone, also for a replay (http/replay.ts). */
export function methodRefusal(method: string): ToBeTextHttpError | undefined {
  return method === "POST"
    ? undefined
    : new ToBeTextHttpError(405, 405, `Method ${method} is not allowed; ToBeText posts`);
}

/** A body over the route's limit is answered 413 (and kept, cut at the limit). */
export function sizeRefusal(bodyBytes: number, maxBodyBytes: number): ToBeTextHttpError | undefined {
  return bodyBytes > maxBodyBytes
    ? new ToBeTextHttpError(413, 413, `Body of ${bodyBytes} bytes exceeds ${maxBodyBytes}`)
    : undefined;
}

export function postOnly(): Guard {
  return {
    before: ({ context: { received } }) => {
      const refusal = methodRefusal(received.method);
      if (refusal) throw refusal;
    },
  };
}

export function bodyLimit(maxBodyBytes: number): Guard {
  return {
    before: ({ context: { received } }) => {
      const refusal = sizeRefusal(received.body.length, maxBodyBytes);
      if (refusal) throw refusal;
    },
  };
}
