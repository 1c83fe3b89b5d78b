import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { type Envelope, serializeEnvelope } from "../domain/envelope.ts";

/**
 * One SQS client per execution environment. The endpoint comes from the SDK's own settings
 * (AWS_ENDPOINT_URL_SQS locally), so this code is the same on Lambda and locally; queue URLs
 * are not used as endpoints, since a stand-in's URLs name hosts that need not resolve.
 */
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });

/** An envelope larger than the queue takes: no retry can change that, so it is no 503. */
export class EnvelopeTooLargeError extends Error {
  override name = "EnvelopeTooLargeError";
}

/**
 * Resolves once SQS has durably stored the envelope; rejects if it has not. An envelope over
 * `maxMessageBytes` is refused here, before SQS would refuse it the same way on every retry.
 */
export async function enqueue(queueUrl: string, envelope: Envelope, maxMessageBytes: number): Promise<void> {
  const body = serializeEnvelope(envelope);
  const bytes = Buffer.byteLength(body, "utf8");
  if (bytes > maxMessageBytes) {
    throw new EnvelopeTooLargeError(`the queued request would take ${bytes} bytes; the queue takes ${maxMessageBytes}`);
  }
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}
