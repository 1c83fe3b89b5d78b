import type { Alarm, GraphWidget } from "aws-cdk-lib/aws-cloudwatch";
import { ManagedPolicy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import type { MetricName } from "../../functions/contract.ts";
import { outputKeys } from "../outputs.ts";
import { metrics, type QueueDefinition, type QueueId } from "../topology.ts";
import { customMetric, graph, type Monitored, oneMinute, type SharedLines } from "./monitoring.ts";
import { namedOutput } from "./named-output.ts";
import type { ConsumedQueue } from "./queue-consumer.ts";
import { deadLetterOutputs, queueAlarms, queueLines, ReceiverQueue } from "./receiver-queue.ts";
import type { ReceiverTable } from "./receiver-table.ts";

export interface OutboxProps {
  /** The topology's id of its queue (`outbox.queue`), which it owns. */
  queueId: QueueId;
  queue: QueueDefinition;
  /** Where a send's outcome is kept, one item per CKey (`outbox.outcomesTable`). */
  outcomesTable: ReceiverTable;
}

/**
 * Sending, as the customer's systems see it: the queue they put send requests on (and its dead-letter
 * queue, made as every route's), and `SendSmsPolicy`, the managed policy they attach to their own roles
 * or users. No route feeds this queue and nothing here is public: IAM is its only way in. Also its
 * outputs, its alarms, and the sending graphs of the dashboard.
 */
export class Outbox extends Construct implements ConsumedQueue, Monitored {
  readonly queueId: QueueId;
  readonly queue: ReceiverQueue;
  readonly sendPolicy: ManagedPolicy;
  /** Sends requested per minute: the sender adds what became of them. */
  readonly trafficGraph: GraphWidget;
  readonly graphs: readonly GraphWidget[];
  readonly sharedLines: SharedLines;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: OutboxProps) {
    super(scope, id);
    const { queueId, outcomesTable } = props;
    this.queueId = queueId;
    this.queue = new ReceiverQueue(this, "Queue", { queueId, definition: props.queue });
    const { queue } = this.queue;

    // Exactly what `npm run send` does: queue a request, read its outcome by CKey. No ReceiveMessage or
    // DeleteMessage (only the sender consumes), no Query or Scan (one CKey at a time, each the caller's).
    this.sendPolicy = new ManagedPolicy(this, "SendSmsPolicy", {
      description: `Send SMS through ${queueId} (SendMessage) and read a send's outcome by its CKey (GetItem)`,
      statements: [
        new PolicyStatement({ sid: "QueueSendRequests", actions: ["sqs:SendMessage"], resources: [queue.queueArn] }),
        new PolicyStatement({
          sid: "ReadSendOutcomes",
          actions: ["dynamodb:GetItem"],
          resources: [outcomesTable.tableArn],
        }),
      ],
    });

    namedOutput(this, outputKeys.queueUrl(queueId), {
      value: queue.queueUrl,
      description: "Send SMS by putting requests on this queue (sqs send-message); the SendPolicyArn policy allows it.",
    });
    namedOutput(this, outputKeys.queueArn(queueId), {
      value: queue.queueArn,
      description: `The ${queueId} queue (ARN), for IAM policies of your own.`,
    });
    namedOutput(this, outputKeys.sendPolicyArn, {
      value: this.sendPolicy.managedPolicyArn,
      description: "Attach it to the roles or users that send SMS: SendMessage on the outbox, GetItem on sentMessages.",
    });
    deadLetterOutputs(this, queueId, this.queue);

    this.alarms = queueAlarms(this, queueId, this.queue);

    const line = (name: MetricName, label: string) => customMetric(this, name, { label });
    this.trafficGraph = graph("Sends requested per minute, and what became of them", [
      queue.metricNumberOfMessagesSent({ period: oneMinute, statistic: "Sum", label: "sends requested" }),
    ]);
    // Final results come from the status processor (callbacks) and the result sweep (expiry).
    const resultsGraph = graph("Sent messages' final results per minute", [
      line(metrics.names.sentDelivered, "delivered"),
      line(metrics.names.sentFailed, "failed"),
      line(metrics.names.sentExpired, "expired (no final result in time)"),
    ]);
    this.graphs = [this.trafficGraph, resultsGraph];
    this.sharedLines = { queues: queueLines(queueId, this.queue) };
  }
}
