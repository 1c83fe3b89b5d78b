import { Duration } from "aws-cdk-lib";
import { Queue, QueueEncryption, type QueueProps } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { QueueDefinition } from "../topology.ts";

export interface ReceiverQueueProps {
  definition: QueueDefinition;
}

/** A queue as the topology defines it, with its dead-letter queue; both encrypted and HTTPS-only, of the same message size. */
export class ReceiverQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ReceiverQueueProps) {
    super(scope, id);
    const { definition } = props;
    const common: QueueProps = {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The dead-letter queue too: a message SQS moves there must fit in it.
      maxMessageSizeBytes: definition.maxMessageBytes,
    };
    this.deadLetterQueue = new Queue(this, "DeadLetters", {
      ...common,
      retentionPeriod: Duration.days(definition.deadLetterRetentionDays),
    });
    this.queue = new Queue(this, "Queue", {
      ...common,
      visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(definition.retentionDays),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
    });
  }
}
