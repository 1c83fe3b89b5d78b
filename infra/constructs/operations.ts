import { ArnFormat, Duration, Stack, Validations } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  type IMetric,
  MathExpression,
  TextWidget,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import type { MetricName } from "../../functions/contract.ts";
import { metrics, operations } from "../topology.ts";
import {
  customMetric,
  fiveMinutes,
  graph,
  type Monitored,
  metricsService,
  oneMinute,
  type SharedLines,
  thresholdAlarm,
} from "./monitoring.ts";
import { namedOutput } from "./named-output.ts";

export interface OperationsProps {
  httpApi: HttpApi;
  /** The routes, the outbox, the consumers and the scheduled tasks, in the order their graphs are drawn. */
  watched: readonly Monitored[];
  /** Alarm notifications go here too, when given. */
  alarmEmail?: string;
}

/**
 * What an operator needs: alarms for what loses or delays messages (dead letters, a processor
 * falling behind or failing, 5xx answers that make ToBeText retry), sent to an SNS topic and
 * optionally an e-mail address, and a dashboard of the traffic as ToBeText sees it. The routes
 * and consumers bring their own alarms and lines (Monitored); this adds what spans them all.
 */
export class Operations extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: readonly Alarm[];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    this.alarmTopic = alarmTopic(this, props.alarmEmail);

    const { httpApi, watched } = props;
    this.alarms = [
      ...watched.flatMap((each) => each.alarms),
      thresholdAlarm(this, "Api5xxAlarm", {
        metric: httpApi.metricServerError({ period: fiveMinutes, statistic: "Sum" }),
        threshold: 1,
        description: "The API answered 5xx: ToBeText retries those, up to 3 times.",
      }),
      thresholdAlarm(this, "RecordsFailedAlarm", {
        metric: customMetric(this, metrics.names.recordsFailed, { period: fiveMinutes }),
        threshold: 1,
        description: "A processor could not process a queued record; it is retried, then dead-lettered.",
      }),
      expiredShareAlarm(this, "ExpiredShareAlarm"),
    ];
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(new SnsAction(this.alarmTopic));
      alarm.addOkAction(new SnsAction(this.alarmTopic));
    }

    const shared = (key: keyof SharedLines): IMetric[] => watched.flatMap((each) => each.sharedLines[key] ?? []);
    const latency = (statistic: string, label: string) =>
      httpApi.metricLatency({ statistic, period: oneMinute, label });
    this.dashboard = new Dashboard(this, "Dashboard", { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ToBeText receiver (${metricsService(this)})\nPer minute unless said otherwise. Acknowledgement budget: ${operations.ackBudgetMs} ms.`,
        width: 24,
        height: 2,
      }),
    );
    // Each route's traffic and what its consumer made of it, then the consumers' own graphs.
    this.dashboard.addWidgets(...watched.flatMap((each) => each.graphs));
    this.dashboard.addWidgets(
      graph("Rejected, denied and unavailable", shared("refusals")),
      graph(
        "Acknowledgement latency (ms)",
        [latency("p50", "p50"), latency("p99", "p99"), latency("Maximum", "max")],
        [{ value: operations.ackBudgetMs, label: "ToBeText retry budget (assumed)" }],
      ),
      graph("Queue depth", shared("queues")),
    );
    this.dashboard.addWidgets(
      graph("Function errors and throttles", shared("functions")),
      graph("Records failed (retried, then dead-lettered)", [customMetric(this, metrics.names.recordsFailed)]),
      new AlarmStatusWidget({ title: "Alarms", alarms: [...this.alarms], width: 8, height: 6 }),
    );

    const { region } = Stack.of(this);
    namedOutput(this, "AlarmTopicArn", {
      value: this.alarmTopic.topicArn,
      description: "Alarms are published here; subscribe to it, or deploy with -c alarmEmail=you@example.com.",
    });
    namedOutput(this, "DashboardUrl", {
      value: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${this.dashboard.dashboardName}`,
      description: "CloudWatch dashboard: traffic, rejects, acknowledgement latency, queues.",
    });
  }
}

/** Final results in the window below which no share is alarmed on: one expiry in a quiet spell is no trend. */
const expiredShareMinimumResults = 20;
const expiredShareWindow = Duration.hours(6);

/**
 * Too many sent messages expire (no final result from ToBeText in time, marked by the result sweep):
 * their share of the final results over 6 hours, from the status processor's and the sweep's metrics.
 * Below 20 results the expression gives 0, and no data at all is no traffic: neither alarms.
 */
function expiredShareAlarm(scope: Construct, id: string): Alarm {
  const results = (name: MetricName) => customMetric(scope, name, { period: expiredShareWindow });
  const expired = results(metrics.names.sentExpired);
  // FILL: a window without, say, a failure has no SentFailed datapoint, which would void the sum.
  const total = new MathExpression({
    expression: "FILL(delivered, 0) + FILL(failed, 0) + FILL(expired, 0)",
    usingMetrics: {
      delivered: results(metrics.names.sentDelivered),
      failed: results(metrics.names.sentFailed),
      expired,
    },
    period: expiredShareWindow,
    label: "final results",
  });
  const { expiredShareAlarmPercent } = operations;
  return new Alarm(scope, id, {
    metric: new MathExpression({
      expression: `IF(total >= ${expiredShareMinimumResults}, 100 * FILL(expired, 0) / total, 0)`,
      usingMetrics: { total, expired },
      period: expiredShareWindow,
      label: "expired share of final results (%)",
    }),
    threshold: expiredShareAlarmPercent,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
    alarmDescription:
      `Over ${expiredShareAlarmPercent}% of sent messages' final results in 6 hours (of ${expiredShareMinimumResults} at least) ` +
      "are expired: ToBeText sent no final result in time. Look at its status, and at the status callback route (Denied, 5xx).",
  });
}

/**
 * Where the alarms go. enforceSSL gives the topic a policy of its own, which replaces the default
 * one that let the account publish: without the statement below, CloudWatch may not publish and
 * no alarm ever arrives.
 */
function alarmTopic(scope: Construct, alarmEmail: string | undefined): Topic {
  const topic = new Topic(scope, "AlarmTopic", { enforceSSL: true });
  Validations.of(topic).acknowledge({
    id: "AwsSolutions-SNS2",
    reason:
      "Alarm notifications carry no personal data, and CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key.",
  });
  const stack = Stack.of(scope);
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: "CloudWatchAlarmsPublish",
      principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["sns:Publish"],
      resources: [topic.topicArn],
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
  if (alarmEmail) topic.addSubscription(new EmailSubscription(alarmEmail));
  return topic;
}
