import { Duration } from "aws-cdk-lib";
import type { Alarm, GraphWidget } from "aws-cdk-lib/aws-cloudwatch";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Construct } from "constructs";
import type { MetricName } from "../../functions/contract.ts";
import {
  type ConsumerDefinition,
  type ConsumerId,
  functionDefaults,
  type QueueDefinition,
  type QueueId,
} from "../topology.ts";
import { type FunctionResources, functionAccess } from "./function-access.ts";
import {
  customMetric,
  functionErrorsAlarm,
  functionLines,
  graph,
  type Monitored,
  type SharedLines,
} from "./monitoring.ts";
import { ReceiverFunction } from "./receiver-function.ts";
import type { ReceiverQueue } from "./receiver-queue.ts";

/** A line of one of the processor's own metrics. */
export interface ProcessorLine {
  metric: MetricName;
  label: string;
  /** `Sum` unless said. */
  statistic?: string;
}

/** What the dashboard shows of a processor's own metrics (see processor-metrics.ts). */
export interface ProcessorDashboard {
  /** What became of the requests its queue received, drawn beside them on its source's traffic graph. */
  outcomes: ProcessorLine[];
  /** Graphs of its own. */
  graphs?: { title: string; lines: ProcessorLine[] }[];
}

/**
 * Where a consumer's messages come from: the owner of its queue, a ReceiveRoute (what ToBeText posted) or
 * the Outbox (what the customer's systems sent). Each queue of the topology has exactly one owner.
 */
export interface ConsumedQueue {
  readonly queueId: QueueId;
  readonly queue: ReceiverQueue;
  /** What arrived on the queue: the consumer draws its outcomes on it. */
  readonly trafficGraph: GraphWidget;
}

export interface QueueConsumerProps {
  consumerId: ConsumerId;
  consumer: ConsumerDefinition;
  source: ConsumedQueue;
  /** The stack's tables, secrets and routes; it is given those its definition lists, and nothing else. */
  resources: FunctionResources;
  /** What every function gets: the user settings and the metrics service. */
  environment: Record<string, string>;
  dashboard?: ProcessorDashboard;
  /**
   * The id its processor had when the stack made it directly: the processor's log group keeps the
   * logical id it got then (see keepFormerLogicalIds).
   */
  formerProcessorId?: string;
}

/**
 * One consumer of the topology, whole: its processor function, fed by its queue in batches with
 * partial batch failures, allowed exactly the table access its definition declares (the calls its
 * code makes) and the secrets it lists, its alarm and its lines on the dashboard.
 */
export class QueueConsumer extends Construct implements Monitored {
  readonly consumerId: ConsumerId;
  readonly processor: ReceiverFunction;
  readonly graphs: readonly GraphWidget[];
  readonly sharedLines: SharedLines;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: QueueConsumerProps) {
    super(scope, id);
    const { consumerId, consumer, source } = props;
    if (source.queueId !== consumer.queue) {
      throw new Error(`Consumer ${consumerId} consumes ${consumer.queue}, not ${source.queueId}`);
    }
    const queue = source.queue.definition;
    assertConsumerFitsQueue(consumerId, consumer, queue);
    this.consumerId = consumerId;
    const access = functionAccess(consumerId, consumer, props.resources);

    this.processor = new ReceiverFunction(this, "Processor", {
      entry: consumer.entry,
      description: `Processes the ${consumer.queue} queue`,
      memorySizeMb: functionDefaults.memorySizeMb,
      timeoutSeconds: consumer.timeoutSeconds,
      // Only its own tables' names (and secrets' ARNs): what it may reach, and nothing more.
      environment: { ...props.environment, ...access.environment },
      ...(props.formerProcessorId === undefined ? {} : { formerId: props.formerProcessorId }),
    });
    access.grantTo(this.processor);
    this.processor.addEventSource(
      new SqsEventSource(source.queue.queue, {
        batchSize: queue.batchSize,
        maxBatchingWindow: Duration.seconds(queue.maxBatchingWindowSeconds),
        maxConcurrency: queue.maximumConcurrency,
        // One failed record returns alone to the queue; its batch-mates are done.
        reportBatchItemFailures: true,
      }),
    );

    this.alarms = [
      functionErrorsAlarm(
        this,
        this.processor,
        `The ${consumerId} function failed or timed out: its whole batch returns to the queue.`,
      ),
    ];

    const line = ({ metric, label, statistic }: ProcessorLine) =>
      customMetric(this, metric, { label, ...(statistic === undefined ? {} : { statistic }) });
    for (const outcome of props.dashboard?.outcomes ?? []) source.trafficGraph.addLeftMetric(line(outcome));
    this.graphs = (props.dashboard?.graphs ?? []).map(({ title, lines }) => graph(title, lines.map(line)));
    this.sharedLines = { functions: functionLines(this.processor, consumerId) };
  }
}

/**
 * A consumer that outlives the visibility timeout has its messages handed out again while it
 * still works on them: fail the synth instead.
 */
export function assertConsumerFitsQueue(
  consumerId: string,
  consumer: ConsumerDefinition,
  queue: QueueDefinition,
): void {
  if (consumer.timeoutSeconds >= queue.visibilityTimeoutSeconds) {
    throw new Error(
      `Consumer ${consumerId} times out after ${consumer.timeoutSeconds} s, which must be below the ` +
        `visibility timeout of queue ${consumer.queue} (${queue.visibilityTimeoutSeconds} s)`,
    );
  }
}
