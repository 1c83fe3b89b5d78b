import { AnyPrincipal, Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Alias } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { pascalCase } from "../outputs.ts";
import type { TopicId, topics } from "../topology.ts";
import { namedOutput } from "./named-output.ts";

export interface EventsTopicProps {
  topicId: TopicId;
  definition: (typeof topics)[TopicId];
}

/**
 * A topic of the topology for downstream systems to subscribe to (README "Events"). Encrypted at rest
 * with the AWS managed SNS key (events carry phone numbers and message text; that key costs nothing,
 * and SNS decrypts before delivering, so subscribers need no key access), and HTTPS only: its policy
 * denies every request without TLS. No one is allowed anything by the topic: the functions that
 * publish are granted `sns:Publish` by their roles, subscribers are the account's to add.
 */
export class EventsTopic extends Construct {
  readonly topicId: TopicId;
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: EventsTopicProps) {
    super(scope, id);
    this.topicId = props.topicId;
    this.topic = new Topic(this, "Topic", {
      displayName: `ToBeText ${props.topicId}`,
      masterKey: Alias.fromAliasName(this, "AwsManagedKey", "alias/aws/sns"),
      // Denies sns:Publish without TLS; the statement below the topic's other actions.
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: "HttpsOnly",
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: [
          "sns:Subscribe",
          "sns:Receive",
          "sns:GetTopicAttributes",
          "sns:SetTopicAttributes",
          "sns:ListSubscriptionsByTopic",
          "sns:AddPermission",
          "sns:RemovePermission",
          "sns:DeleteTopic",
        ],
        resources: [this.topic.topicArn],
        conditions: { Bool: { "aws:SecureTransport": "false" } },
      }),
    );
    namedOutput(this, `${pascalCase(props.topicId)}TopicArn`, {
      value: this.topic.topicArn,
      description: `Subscribe your systems here: ${props.definition.description} (README "Events").`,
    });
  }
}
