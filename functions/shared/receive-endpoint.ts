import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { metrics, queues, type RouteId, routes } from "../contract.ts";
import { EnvelopeTooLargeError, enqueue } from "../adapters/queue.ts";
import { urlSecretsFrom } from "../adapters/url-secrets.ts";
import type { Envelope } from "../domain/envelope.ts";
import { type Acceptance, fieldIgnoringCase, type ReceivedFields } from "../domain/received-fields.ts";
import { resultCodes } from "../domain/tobetext-result.ts";
import { allowedSourcesFrom } from "./access.ts";
import { emitMetric, type LogFields, logger } from "./logger.ts";
import { decodeRequestFields } from "./request-fields.ts";
import { requiredSetting } from "./settings.ts";
import {
  type EndpointContext,
  type ReceivedRequest,
  ToBeTextHttpError,
  tobetextEndpoint,
  tobetextResponse,
} from "./tobetext-http.ts";

export interface ReceiveEndpoint<T> {
  route: RouteId;
  /** The pure acceptance rule of the route. */
  accept: (fields: ReceivedFields) => Acceptance<T>;
  /** The envelope queued for an accepted request. */
  envelope: (received: ReceivedRequest, value: T) => Envelope;
  /** SendNum and RecvNum echoed in the answer. */
  numbers: (value: T) => { sendNum: string; recvNum: string };
  /** What the info log may say of it: never phone numbers or text in clear. */
  describe: (value: T) => LogFields;
}

/**
 * A ToBeText receive endpoint: decodes the request, applies the route's acceptance rule,
 * queues the envelope durably, and only then confirms with `<ToBeTextResult>` 200. A refusal
 * is thrown as a ToBeTextHttpError, which the endpoint middleware answers and keeps.
 */
export function receiveEndpoint<T>(endpoint: ReceiveEndpoint<T>) {
  const route = routes[endpoint.route];
  const queue = queues[route.queue];
  const queueUrl = requiredSetting(queue.urlSetting);
  const send = (envelope: Envelope) => enqueue(queueUrl, envelope, queue.maxMessageBytes);
  const access = { secrets: urlSecretsFrom(), allowedSources: allowedSourcesFrom() };

  async function receive(
    _event: APIGatewayProxyEventV2,
    { received }: EndpointContext,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const decoded = await decodeRequestFields(received);
    const acceptance = endpoint.accept(decoded);
    if (!acceptance.accepted) {
      const { errorCode, reason } = acceptance.rejection;
      throw new ToBeTextHttpError(400, errorCode, reason, {
        fields: decoded.fields,
        sendNum: fieldIgnoringCase(decoded.fields, "SendNum"),
        recvNum: fieldIgnoringCase(decoded.fields, "RecvNum"),
      });
    }
    try {
      await send(endpoint.envelope(received, acceptance.value));
    } catch (error) {
      // Kept as received bytes only: the decoded fields are what did not fit.
      if (error instanceof EnvelopeTooLargeError) throw new ToBeTextHttpError(413, 413, error.message);
      throw error;
    }
    logger.info(`${route.label} queued`, {
      deliveryId: received.deliveryId,
      ...endpoint.describe(acceptance.value),
    });
    emitMetric(metrics.names.accepted, { dimensions: { route: endpoint.route } });
    const { sendNum, recvNum } = endpoint.numbers(acceptance.value);
    return tobetextResponse(200, {
      Status: "Success",
      MsgId: received.deliveryId,
      SendNum: sendNum,
      RecvNum: recvNum,
      ErrorCode: resultCodes.success,
      ErrorMsg: `${route.label} received`,
    });
  }

  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, EndpointContext>()
    .use(
      tobetextEndpoint({
        route: endpoint.route,
        access,
        maxBodyBytes: route.maxBodyBytes,
        keepRejected: (rejected) => send({ kind: "rejected-request", version: 1, rejected }),
      }),
    )
    .handler(receive);
}
