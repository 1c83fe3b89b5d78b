import { ArnFormat, Duration, Stack, Validations } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type HorizontalAnnotation,
  type IMetric,
  Metric,
  TextWidget,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import { metrics, operations } from "../topology.ts";
import type { ReceiverFunction } from "./receiver-function.ts";
import type { ReceiverQueue } from "./receiver-queue.ts";

export interface OperationsProps {
  /** The stack's name: the `service` dimension of the custom metrics. */
  service: string;
  httpApi: HttpApi;
  /** Per route id: its receive function and queue. */
  routes: Record<string, { receiver: ReceiverFunction; queue: ReceiverQueue }>;
  /** Per consumer id: its function. */
  consumers: Record<string, ReceiverFunction>;
  /** Alarm notifications go here too, when given. */
  alarmEmail?: string;
}

const fiveMinutes = Duration.minutes(5);

/**
 * Denied requests per route in five minutes that raise the alarm. A stray probe of the URL stays
 * below; a URL that no longer matches the secret (a botched rotation) refuses every request, and
 * ToBeText posts each again and repeats its status callbacks, so real traffic soon reaches it.
 */
const deniedAlarmThreshold = 10;

/**
 * What an operator needs: alarms for what loses or delays messages (dead letters, a processor
 * falling behind or failing, 5xx answers that make ToBeText retry), sent to an SNS topic and
 * optionally an e-mail address, and a dashboard of the traffic as ToBeText sees it.
 */
export class Operations extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    this.alarmTopic = new Topic(this, "AlarmTopic", { enforceSSL: true });
    Validations.of(this.alarmTopic).acknowledge({
      id: "AwsSolutions-SNS2",
      reason:
        "Alarm notifications carry no personal data, and CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key.",
    });
    // enforceSSL gives the topic a policy of its own, which replaces the default one that let the
    // account publish: without this, CloudWatch may not publish and no alarm ever arrives.
    const stack = Stack.of(this);
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: "CloudWatchAlarmsPublish",
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { "aws:SourceAccount": stack.account },
          ArnLike: {
            "aws:SourceArn": stack.formatArn({
              service: "cloudwatch",
              resource: "alarm",
              resourceName: "*",
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));

    const custom = (name: string, dimensions: Record<string, string> = {}, statistic = "Sum") =>
      new Metric({
        namespace: metrics.namespace,
        metricName: name,
        dimensionsMap: { service: props.service, ...dimensions },
        statistic,
        period: Duration.minutes(1),
      });
    const routeIds = Object.keys(props.routes);

    for (const [routeId, { queue }] of Object.entries(props.routes)) {
      this.alarm(`${routeId}DeadLetters`, {
        metric: queue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: fiveMinutes,
          statistic: "Maximum",
        }),
        threshold: 1,
        description: `Messages of ${routeId} were dead-lettered: look at them, fix the cause, redrive them.`,
      });
      this.alarm(`${routeId}OldestMessage`, {
        metric: queue.queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: "Maximum" }),
        threshold: operations.oldestMessageAlarmSeconds,
        evaluationPeriods: 2,
        description: `The ${routeId} processor is not keeping up: its oldest message is over ${operations.oldestMessageAlarmSeconds} s old.`,
      });
      this.alarm(`${routeId}Unavailable`, {
        metric: custom(metrics.names.unavailable, { route: routeId }).with({ period: fiveMinutes }),
        threshold: 1,
        description: `The ${routeId} endpoint answered 503 (it could not queue): ToBeText will retry, but look why.`,
      });
      this.alarm(`${routeId}Denied`, {
        metric: custom(metrics.names.denied, { route: routeId }).with({ period: fiveMinutes }),
        threshold: deniedAlarmThreshold,
        description:
          `The ${routeId} endpoint turned away ${deniedAlarmThreshold} or more requests in 5 minutes (no or a wrong URL secret, or a caller outside the allowlist), unread and unkept. ` +
          "If the URL secret was just rotated, ToBeText's URL no longer matches and every message is being refused: restore the previous secret. Otherwise someone is probing the URL. A stray request stays below this.",
      });
    }
    this.alarm("Api5xx", {
      metric: props.httpApi.metricServerError({ period: fiveMinutes, statistic: "Sum" }),
      threshold: 1,
      description: "The API answered 5xx: ToBeText retries those, up to 3 times.",
    });
    for (const [consumerId, consumer] of Object.entries(props.consumers)) {
      this.alarm(`${consumerId}Errors`, {
        metric: consumer.metricErrors({ period: fiveMinutes, statistic: "Sum" }),
        threshold: 1,
        description: `The ${consumerId} function failed or timed out: its whole batch returns to the queue.`,
      });
    }
    this.alarm("RecordsFailed", {
      metric: custom(metrics.names.recordsFailed).with({ period: fiveMinutes }),
      threshold: 1,
      description: "A processor could not process a queued record; it is retried, then dead-lettered.",
    });

    const perRoute = (name: string, label: string) =>
      routeIds.map((routeId) => custom(name, { route: routeId }).with({ label: `${label} ${routeId}` }));
    const width = 8;
    this.dashboard = new Dashboard(this, "Dashboard", { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ToBeText receiver (${props.service})\nPer minute unless said otherwise. Acknowledgement budget: ${operations.ackBudgetMs} ms.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph("Inbound SMS per minute", [
        custom(metrics.names.accepted, { route: "inboundSms" }).with({ label: "accepted" }),
        custom(metrics.names.inboundStored).with({ label: "stored (new messages)" }),
        custom(metrics.names.duplicatesAbsorbed).with({ label: "duplicates absorbed (retries)" }),
      ]),
      graph("Rejected, denied and unavailable", [
        ...perRoute(metrics.names.rejected, "rejected"),
        ...perRoute(metrics.names.denied, "denied (no or wrong URL secret, or address)"),
        ...perRoute(metrics.names.unavailable, "503"),
      ]),
      graph(
        "Acknowledgement latency (ms)",
        [
          props.httpApi.metricLatency({ statistic: "p50", period: Duration.minutes(1), label: "p50" }),
          props.httpApi.metricLatency({ statistic: "p99", period: Duration.minutes(1), label: "p99" }),
          props.httpApi.metricLatency({ statistic: "Maximum", period: Duration.minutes(1), label: "max" }),
        ],
        [{ value: operations.ackBudgetMs, label: "ToBeText retry budget (assumed)" }],
      ),
    );
    this.dashboard.addWidgets(
      graph("Status callbacks per minute", [
        custom(metrics.names.accepted, { route: "statusCallback" }).with({ label: "accepted" }),
        custom(metrics.names.callbacksStored).with({ label: "stored" }),
        custom(metrics.names.conflictingResults).with({ label: "conflicting final results" }),
      ]),
      graph("Callback lateness (s since the message's first callback)", [
        custom(metrics.names.callbackLateness, {}, "Average").with({ label: "average" }),
        custom(metrics.names.callbackLateness, {}, "Maximum").with({ label: "max" }),
      ]),
      graph(
        "Queue depth",
        Object.entries(props.routes).flatMap(([routeId, { queue }]) => [
          queue.queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            label: `${routeId} waiting`,
          }),
          queue.queue.metricApproximateNumberOfMessagesNotVisible({
            period: Duration.minutes(1),
            label: `${routeId} in flight`,
          }),
          queue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            label: `${routeId} dead-lettered`,
          }),
        ]),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        "Function errors and throttles",
        [
          ...Object.entries(props.consumers),
          ...Object.entries(props.routes).map(([id, route]) => [id, route.receiver] as const),
        ].flatMap(([id, fn]) => [
          fn.metricErrors({ period: Duration.minutes(1), label: `${id} errors` }),
          fn.metricThrottles({ period: Duration.minutes(1), label: `${id} throttles` }),
        ]),
      ),
      graph("Records failed (retried, then dead-lettered)", [custom(metrics.names.recordsFailed)]),
      new AlarmStatusWidget({ title: "Alarms", alarms: this.alarms, width, height: 6 }),
    );

    function graph(title: string, left: IMetric[], annotations: HorizontalAnnotation[] = []): GraphWidget {
      return new GraphWidget({ title, left, leftAnnotations: annotations, width, height: 6 });
    }
  }

  private alarm(
    id: string,
    options: { metric: IMetric; threshold: number; description: string; evaluationPeriods?: number },
  ): void {
    const alarm = new Alarm(this, `${id}Alarm`, {
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    alarm.addOkAction(new SnsAction(this.alarmTopic));
    this.alarms.push(alarm);
  }
}
