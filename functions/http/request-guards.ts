/** What ToBeText never sends, refused before the body is read: one middleware per rule. */
import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { ToBeTextHttpError } from "./errors.ts";
import type { EndpointContext } from "./received-request.ts";

type Guard = MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, EndpointContext>;

/** ToBeText posts; anything else is answered 405 (and kept). */
export function postOnly(): Guard {
  return {
    before: ({ context: { received } }) => {
      if (received.method !== "POST") {
        throw new ToBeTextHttpError(405, 405, `Method ${received.method} is not allowed; ToBeText posts`);
      }
    },
  };
}

/** A body over the route's limit is answered 413 (and kept, cut at the limit). */
export function bodyLimit(maxBodyBytes: number): Guard {
  return {
    before: ({ context: { received } }) => {
      if (received.body.length > maxBodyBytes) {
        throw new ToBeTextHttpError(413, 413, `Body of ${received.body.length} bytes exceeds ${maxBodyBytes}`);
      }
    },
  };
}
