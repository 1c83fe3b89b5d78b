import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { enqueue } from "../adapters/queue.ts";
import { urlSecretsFrom } from "../adapters/url-secrets.ts";
import type { ReceiverConfig } from "../config/receiver.ts";
import type { Envelope } from "../domain/envelope.ts";
import { serializeEnvelope } from "../domain/envelope-json.ts";
import { type Acceptance, fieldIgnoringCase, type ReceivedFields } from "../domain/received-fields.ts";
import { resultCodes } from "../domain/tobetext-result.ts";
import { functionMetrics, logger, useLogLevel } from "../observability.ts";
import { urlSecretAccess } from "./access.ts";
import { decodeRequestFields } from "./decoding/index.ts";
import { tobetextErrorHandler } from "./error-handler.ts";
import { ToBeTextHttpError } from "./errors.ts";
import { type EndpointContext, type ReceivedRequest, receivedRequest } from "./received-request.ts";
import { bodyLimit, postOnly } from "./request-guards.ts";
import { tobetextResponse } from "./tobetext-answer.ts";

export interface ReceiveRoute<T> {
  /** The pure acceptance rule of the route. */
  accept: (fields: ReceivedFields) => Acceptance<T>;
  /** The envelope queued for an accepted request. */
  envelope: (received: ReceivedRequest, value: T) => Envelope;
  /** SendNum and RecvNum echoed in the answer. */
  numbers: (value: T) => { sendNum: string; recvNum: string };
  /** What the debug log says of it: never phone numbers or text in clear, not even there. */
  describe: (value: T) => Record<string, unknown>;
}

/**
 * A ToBeText receive endpoint. Middlewares, one concern each, turn away what must not be read
 * (caller, method, size) and answer every error (the error handler, last); the handler itself
 * only accepts, queues durably, and then confirms with `<ToBeTextResult>` 200.
 */
export function receiveEndpoint<T>(config: ReceiverConfig, route: ReceiveRoute<T>) {
  useLogLevel(config.settings.logLevel);
  const metrics = functionMetrics({ route: config.route });
  const access = { secrets: urlSecretsFrom(config.urlSecrets), allowedSources: config.settings.allowedSources };
  const send = (envelope: Envelope) => enqueue(config.queueUrl, queueable(envelope, config.maxMessageBytes));

  async function receive(
    _event: APIGatewayProxyEventV2,
    { received }: EndpointContext,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const decoded = await decodeRequestFields(received);
    const acceptance = route.accept(decoded);
    if (!acceptance.accepted) {
      const { errorCode, reason } = acceptance.rejection;
      throw new ToBeTextHttpError(400, errorCode, reason, {
        fields: decoded.fields,
        sendNum: fieldIgnoringCase(decoded.fields, "SendNum"),
        recvNum: fieldIgnoringCase(decoded.fields, "RecvNum"),
      });
    }
    await send(route.envelope(received, acceptance.value));
    // At info, a message's one line is the processor's, which knows what became of it (and names
    // this request by apiRequestId): a second line here would double what logs cost per message.
    // describe() masks numbers: not worth doing on every request for a line info level drops.
    if (logger.getLevelName() === "DEBUG") logger.debug(`${config.label} queued`, route.describe(acceptance.value));
    const { sendNum, recvNum } = route.numbers(acceptance.value);
    return tobetextResponse(200, {
      Status: "Success",
      MsgId: received.arrivalId,
      SendNum: sendNum,
      RecvNum: recvNum,
      ErrorCode: resultCodes.success,
      ErrorMsg: `${config.label} received`,
    });
  }

  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, EndpointContext>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics.emf))
    .use(
      tobetextEdge({
        route: config.route,
        access,
        maxBodyBytes: config.maxBodyBytes,
        metrics,
        keepRejected: (rejected) => send({ kind: "rejected-request", version: 2, rejected }),
      }),
    )
    .handler(receive);
}

/**
 * The envelope as an SQS message body, or a 413 when it is larger than the queue takes: no retry
 * could change that, so it is no 503. The rejection then keeps the request's bytes only (the
 * decoded fields are what did not fit). The routes' body limits make this a guard that never
 * fires (test/integration/limits.test.ts), rather than a path ToBeText would meet.
 */
export function queueable(envelope: Envelope, maxMessageBytes: number): string {
  const body = serializeEnvelope(envelope);
  const bytes = Buffer.byteLength(body, "utf8");
  if (bytes > maxMessageBytes) {
    throw new ToBeTextHttpError(
      413,
      413,
      `the queued request would take ${bytes} bytes; the queue takes ${maxMessageBytes}`,
    );
  }
  return body;
}

export interface EdgeOptions {
  route: string;
  access: Parameters<typeof urlSecretAccess>[0];
  maxBodyBytes: number;
  keepRejected: Parameters<typeof tobetextErrorHandler>[0]["keepRejected"];
  metrics: Parameters<typeof tobetextErrorHandler>[0]["metrics"];
}

/** The edge of every ToBeText endpoint, in order: read, admit the caller, the method, the size; the error handler last. */
export function tobetextEdge(options: EdgeOptions) {
  return [
    receivedRequest(),
    urlSecretAccess(options.access),
    postOnly(),
    bodyLimit(options.maxBodyBytes),
    tobetextErrorHandler(options),
  ];
}
