import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

/**
 * One SQS client per execution environment. The endpoint comes from the SDK's own settings
 * (AWS_ENDPOINT_URL_SQS locally), so this code is the same on Lambda and locally; queue URLs
 * are not used as endpoints, since a stand-in's URLs name hosts that need not resolve.
 */
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });

/** Resolves once SQS has durably stored the message; rejects if it has not. */
export async function enqueue(queueUrl: string, messageBody: string): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: messageBody }));
}
