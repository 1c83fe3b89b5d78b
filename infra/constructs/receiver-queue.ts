import { Duration } from "aws-cdk-lib";
import type { Alarm, IMetric } from "aws-cdk-lib/aws-cloudwatch";
import { Queue, QueueEncryption, type QueueProps } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { outputKeys } from "../outputs.ts";
import { operations, type QueueDefinition, type QueueId } from "../topology.ts";
import { keepFormerLogicalIds } from "./former-logical-ids.ts";
import { fiveMinutes, oneMinute, thresholdAlarm } from "./monitoring.ts";
import { namedOutput } from "./named-output.ts";

export interface ReceiverQueueProps {
  /** The topology's id, for the messages of the checks below. */
  queueId: string;
  definition: QueueDefinition;
  /**
   * The id it had when the stack made it directly. Its queues and their policies keep the logical
   * ids they got then: a new id would make CloudFormation replace the queue, deleting what it holds.
   */
  formerId?: string;
}

/** A queue as the topology defines it, with its dead-letter queue; both encrypted and HTTPS-only, of the same message size. */
export class ReceiverQueue extends Construct {
  readonly definition: QueueDefinition;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ReceiverQueueProps) {
    super(scope, id);
    const { definition } = props;
    assertDeadLettersOutliveQueue(props.queueId, definition);
    this.definition = definition;
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
    if (props.formerId !== undefined) keepFormerLogicalIds(this, props.formerId);
  }
}

/**
 * SQS counts a dead letter's age from its first enqueue, not from its move to the dead-letter
 * queue: one that keeps messages no longer than its source may drop a dead letter as soon as it
 * arrives, before anyone could redrive it. Fail the synth instead.
 */
export function assertDeadLettersOutliveQueue(queueId: string, queue: QueueDefinition): void {
  if (queue.deadLetterRetentionDays <= queue.retentionDays) {
    throw new Error(
      `Queue ${queueId}: its dead-letter queue keeps messages ${queue.deadLetterRetentionDays} days, which must be ` +
        `more than the queue's own ${queue.retentionDays} days (a dead letter's age counts from its first enqueue)`,
    );
  }
}

/*
 * What the owner of a queue (a ReceiveRoute, the Outbox) adds for it, in its own scope: made there, the
 * alarms and outputs keep the ids they had when the route made them itself.
 */

/** A dead letter, and a consumer falling behind: the queue's alarms. `label` names the queue's owner. */
export function queueAlarms(scope: Construct, label: string, { queue, deadLetterQueue }: ReceiverQueue): Alarm[] {
  return [
    thresholdAlarm(scope, "DeadLettersAlarm", {
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: "Maximum" }),
      threshold: 1,
      description: `Messages of ${label} were dead-lettered: look at them, fix the cause, redrive them.`,
    }),
    thresholdAlarm(scope, "OldestMessageAlarm", {
      metric: queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: "Maximum" }),
      threshold: operations.oldestMessageAlarmSeconds,
      evaluationPeriods: 2,
      description: `The ${label} processor is not keeping up: its oldest message is over ${operations.oldestMessageAlarmSeconds} s old.`,
    }),
  ];
}

/** Messages waiting, in flight and dead-lettered, for the shared queue graph. */
export function queueLines(label: string, { queue, deadLetterQueue }: ReceiverQueue): IMetric[] {
  return [
    queue.metricApproximateNumberOfMessagesVisible({ period: oneMinute, label: `${label} waiting` }),
    queue.metricApproximateNumberOfMessagesNotVisible({ period: oneMinute, label: `${label} in flight` }),
    deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: oneMinute, label: `${label} dead-lettered` }),
  ];
}

/** What `npm run redrive` needs to move dead letters back to their queue. */
export function deadLetterOutputs(scope: Construct, queueId: QueueId, { deadLetterQueue }: ReceiverQueue): void {
  namedOutput(scope, outputKeys.deadLetterQueueArn(queueId), {
    value: deadLetterQueue.queueArn,
    description: `Dead-letter queue of the ${queueId} queue (ARN); npm run redrive moves its messages back.`,
  });
  namedOutput(scope, outputKeys.deadLetterQueueUrl(queueId), {
    value: deadLetterQueue.queueUrl,
    description: `Dead-letter queue of the ${queueId} queue (URL), to look at what it holds.`,
  });
}
