import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { type DomainEvent, type EventPublisher, eventAttributes } from "../domain/events.ts";

/**
 * One SNS client per execution environment. The endpoint comes from the SDK's own settings
 * (AWS_ENDPOINT_URL_SNS locally, fauxqs's), so this code is the same on Lambda and locally.
 */
const sns = new SNSClient({});

/**
 * Publishes each event to the events topic: the JSON document as the message, and `eventAttributes`
 * as String message attributes, which subscription filter policies match on (README "Events").
 * Resolves once SNS has taken it; a failure rejects, and the caller's record is retried whole.
 */
export function snsEventPublisher(topicArn: string): EventPublisher {
  return {
    async publish(event: DomainEvent) {
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: JSON.stringify(event),
          // SNS refuses an empty value: an SMS without a prefix has no `prefix` attribute (filter: exists false).
          MessageAttributes: Object.fromEntries(
            Object.entries(eventAttributes(event))
              .filter(([, value]) => value !== "")
              .map(([name, value]) => [name, { DataType: "String", StringValue: value }]),
          ),
        }),
      );
    },
  };
}
