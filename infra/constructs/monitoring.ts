/**
 * What the pattern constructs (ReceiveRoute, QueueConsumer) add to the operator's view, and the few
 * helpers they draw it with. Each makes its own alarms and lines, labelled with its own id; the
 * Operations construct sends the alarms to the topic and lays the lines out on the dashboard, so
 * a new route or consumer in the topology shows up there without a change to it.
 */
import { Duration, Stack } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  GraphWidget,
  type HorizontalAnnotation,
  type IMetric,
  Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import type { Construct } from "constructs";
import type { MetricName } from "../../functions/contract.ts";
import { metrics } from "../topology.ts";

/** Lines on the graphs every route and consumer draws on. */
export interface SharedLines {
  /** Requests turned away: rejected, denied, 503. */
  refusals?: IMetric[];
  /** Messages waiting, in flight and dead-lettered. */
  queues?: IMetric[];
  /** Function errors and throttles. */
  functions?: IMetric[];
}

/** What a route or consumer contributes to operations. */
export interface Monitored {
  /** Operations sends each to the alarm topic and shows it in the alarm status widget. */
  readonly alarms: readonly Alarm[];
  /** Graphs of its own, drawn before the shared ones. */
  readonly graphs: readonly GraphWidget[];
  readonly sharedLines: SharedLines;
}

export const fiveMinutes = Duration.minutes(5);
export const oneMinute = Duration.minutes(1);

/** The `service` dimension of the custom metrics: the stack's name, which every function gets. */
export const metricsService = (scope: Construct): string => Stack.of(scope).stackName;

export interface CustomMetricOptions {
  /** Besides `service`. */
  dimensions?: Record<string, string>;
  /** `Sum` unless said. */
  statistic?: string;
  /** A minute unless said. */
  period?: Duration;
  label?: string;
}

/** One of the metrics the functions emit (functions/contract.ts), with the dimensions they emit it with. */
export function customMetric(scope: Construct, name: MetricName, options: CustomMetricOptions = {}): Metric {
  return new Metric({
    namespace: metrics.namespace,
    metricName: name,
    dimensionsMap: { service: metricsService(scope), ...options.dimensions },
    statistic: options.statistic ?? "Sum",
    period: options.period ?? oneMinute,
    ...(options.label === undefined ? {} : { label: options.label }),
  });
}

/** A dashboard graph; three fit a row. */
export function graph(title: string, left: IMetric[], leftAnnotations: HorizontalAnnotation[] = []): GraphWidget {
  return new GraphWidget({ title, left, leftAnnotations, width: 8, height: 6 });
}

export interface ThresholdAlarmOptions {
  metric: IMetric;
  threshold: number;
  description: string;
  evaluationPeriods?: number;
}

/**
 * An alarm at or over the threshold. No data means no traffic, which is fine. Its actions are
 * Operations' to add: the constructs that raise alarms need not know where they go.
 */
export function thresholdAlarm(scope: Construct, id: string, options: ThresholdAlarmOptions): Alarm {
  return new Alarm(scope, id, {
    metric: options.metric,
    threshold: options.threshold,
    evaluationPeriods: options.evaluationPeriods ?? 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
    alarmDescription: options.description,
  });
}

/** A function's errors and throttles per minute, labelled with its id: its lines on the shared functions graph. */
export function functionLines(fn: LambdaFunction, id: string): IMetric[] {
  return [
    fn.metricErrors({ period: oneMinute, label: `${id} errors` }),
    fn.metricThrottles({ period: oneMinute, label: `${id} throttles` }),
  ];
}

/** An alarm (`ErrorsAlarm` in `scope`) on any error of the function in five minutes, saying what it means. */
export function functionErrorsAlarm(scope: Construct, fn: LambdaFunction, description: string): Alarm {
  return thresholdAlarm(scope, "ErrorsAlarm", {
    metric: fn.metricErrors({ period: fiveMinutes, statistic: "Sum" }),
    threshold: 1,
    description,
  });
}
