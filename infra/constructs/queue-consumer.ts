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
  type TableId,
} from "../topology.ts";
import {
  customMetric,
  fiveMinutes,
  graph,
  type Monitored,
  oneMinute,
  type SharedLines,
  thresholdAlarm,
} from "./monitoring.ts";
import { ReceiverFunction } from "./receiver-function.ts";
import type { ReceiverQueue } from "./receiver-queue.ts";
import type { ReceiverTable } from "./receiver-table.ts";

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

/** Where a consumer's messages come from: a ReceiveRoute. */
export interface ConsumedQueue {
  readonly queue: ReceiverQueue;
  /** The consumer draws its outcomes on it. */
  readonly trafficGraph: GraphWidget;
}

export interface QueueConsumerProps {
  consumerId: ConsumerId;
  consumer: ConsumerDefinition;
  source: ConsumedQueue;
  /** The stack's tables; it uses those its definition lists, and may touch no other. */
  tables: Readonly<Record<TableId, ReceiverTable>>;
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
 * partial batch failures, allowed exactly the item reads and writes its code makes on its own
 * tables, its alarm and its lines on the dashboard.
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
    const queue = source.queue.definition;
    assertConsumerFitsQueue(consumerId, consumer, queue);
    this.consumerId = consumerId;
    const tables = consumer.tables.map((tableId) => {
      const table = props.tables[tableId];
      if (!table) throw new Error(`Consumer ${consumerId} uses table ${tableId}, which the stack does not have`);
      return table;
    });

    this.processor = new ReceiverFunction(this, "Processor", {
      entry: consumer.entry,
      description: `Processes the ${consumer.queue} queue`,
      memorySizeMb: functionDefaults.memorySizeMb,
      timeoutSeconds: consumer.timeoutSeconds,
      // Only its own tables: their names, and the only DynamoDB access it has.
      environment: {
        ...props.environment,
        ...Object.fromEntries(tables.map((table) => [table.definition.nameSetting, table.tableName])),
      },
      ...(props.formerProcessorId === undefined ? {} : { formerId: props.formerProcessorId }),
    });
    for (const table of tables) this.processor.allowReadingAndWriting(table);
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
      thresholdAlarm(this, "ErrorsAlarm", {
        metric: this.processor.metricErrors({ period: fiveMinutes, statistic: "Sum" }),
        threshold: 1,
        description: `The ${consumerId} function failed or timed out: its whole batch returns to the queue.`,
      }),
    ];

    const line = ({ metric, label, statistic }: ProcessorLine) =>
      customMetric(this, metric, { label, ...(statistic === undefined ? {} : { statistic }) });
    for (const outcome of props.dashboard?.outcomes ?? []) source.trafficGraph.addLeftMetric(line(outcome));
    this.graphs = (props.dashboard?.graphs ?? []).map(({ title, lines }) => graph(title, lines.map(line)));
    this.sharedLines = {
      functions: [
        this.processor.metricErrors({ period: oneMinute, label: `${consumerId} errors` }),
        this.processor.metricThrottles({ period: oneMinute, label: `${consumerId} throttles` }),
      ],
    };
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
