/**
 * The system on AWS, made from the topology alone: every route, queue, consumer and table there
 * appears here without a change to this file.
 */
import { CfnOutput, Duration, Stack, type StackProps, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import { HttpApi, HttpMethod, LogGroupLogDestination, PayloadFormatVersion } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { readUserSettings } from "../functions/config/user-settings.ts";
import { receiverLogGroup } from "./constructs/log-group.ts";
import { Operations } from "./constructs/operations.ts";
import { ReceiverFunction } from "./constructs/receiver-function.ts";
import { ReceiverQueue } from "./constructs/receiver-queue.ts";
import { ReceiverTable } from "./constructs/receiver-table.ts";
import { outputKeys, pascalCase } from "./outputs.ts";
import {
  type ConsumerDefinition,
  type ConsumerId,
  consumers,
  functionDefaults,
  limits,
  metrics,
  type QueueDefinition,
  type QueueId,
  queues,
  type RouteDefinition,
  type RouteId,
  routes,
  secretRoutePath,
  settingDefaults,
  settingNames,
  type TableDefinition,
  type TableId,
  tables,
  urlSecretSettings,
} from "./topology.ts";

export type SettingName = (typeof settingNames)[keyof typeof settingNames];
export type Settings = Record<SettingName, string>;

export interface ReceiverStackProps extends StackProps {
  /** Settings that win over CDK context and the topology's defaults. */
  settings?: Partial<Settings>;
  /** Where alarms are e-mailed (besides their SNS topic); also `-c alarmEmail=...`. */
  alarmEmail?: string;
}

export class ReceiverStack extends Stack {
  readonly settings: Settings;
  readonly queues: Record<QueueId, ReceiverQueue>;
  readonly tables: Record<TableId, ReceiverTable>;
  readonly receiveFunctions: Record<RouteId, ReceiverFunction>;
  readonly consumerFunctions: Record<ConsumerId, ReceiverFunction>;
  readonly httpApi: HttpApi;
  readonly urlSecret: Secret;
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: ReceiverStackProps = {}) {
    super(scope, id, props);
    this.settings = resolveSettings(this, props.settings ?? {});

    this.queues = mapTopology(queues, (queueId, definition: QueueDefinition) => {
      assertDeadLettersOutliveQueue(queueId, definition);
      return new ReceiverQueue(this, `${pascalCase(queueId)}Queue`, { definition });
    });
    this.tables = mapTopology(
      tables,
      (tableId, definition: TableDefinition) => new ReceiverTable(this, `${pascalCase(tableId)}Table`, { definition }),
    );

    this.httpApi = new HttpApi(this, "HttpApi", {
      apiName: this.stackName,
      description: "Receives ToBeText's requests",
      // The $default stage is added below, with access logging.
      createDefaultStage: false,
    });
    this.httpApi.addStage("DefaultStage", {
      stageName: "$default",
      autoDeploy: true,
      // Per route (API Gateway's default route throttling): a flood costs little and starves nothing else.
      throttle: { rateLimit: limits.throttle.rateLimitPerSecond, burstLimit: limits.throttle.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(receiverLogGroup(this, "HttpApiAccessLogs")),
        format: accessLogFormat,
      },
    });

    this.urlSecret = new Secret(this, "UrlSecret", {
      description: `The secret last path segment of ${this.stackName}'s URLs: {"current": "...", "previous": "..."}`,
      generateSecretString: {
        secretStringTemplate: "{}",
        generateStringKey: "current",
        excludePunctuation: true,
        includeSpace: false,
        passwordLength: 40,
      },
    });
    Validations.of(this.urlSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "Rotating it means registering a new URL with ToBeText, a manual step: SECURITY.md describes the two-secret rotation.",
    });
    new CfnOutput(this, outputKeys.urlSecretArn, {
      value: this.urlSecret.secretArn,
      description: "The URL secret; each URL to register ends with /<current>. npm run smoke prints the full URLs.",
    });

    this.receiveFunctions = mapTopology(routes, (routeId, route: RouteDefinition) =>
      this.addRoute(routeId, route, this.queues[route.queue]),
    );
    this.consumerFunctions = mapTopology(consumers, (consumerId, consumer: ConsumerDefinition) =>
      this.addConsumer(consumerId, consumer, this.queues[consumer.queue]),
    );

    for (const [tableId, table] of Object.entries(this.tables) as [TableId, ReceiverTable][]) {
      this.addTableOutputs(tableId, table, tables[tableId]);
    }
    for (const [queueId, queue] of Object.entries(this.queues) as [QueueId, ReceiverQueue][]) {
      this.addDeadLetterQueueOutputs(queueId, queue);
    }

    const alarmEmail = props.alarmEmail ?? stringContext(this, "alarmEmail");
    this.operations = new Operations(this, "Operations", {
      service: this.stackName,
      httpApi: this.httpApi,
      routes: mapTopology(routes, (routeId, route: RouteDefinition) => ({
        receiver: this.receiveFunctions[routeId],
        queue: this.queues[route.queue],
      })),
      consumers: this.consumerFunctions,
      ...(alarmEmail ? { alarmEmail } : {}),
    });
    new CfnOutput(this, "AlarmTopicArn", {
      value: this.operations.alarmTopic.topicArn,
      description: "Alarms are published here; subscribe to it, or deploy with -c alarmEmail=you@example.com.",
    });
    new CfnOutput(this, "DashboardUrl", {
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.operations.dashboard.dashboardName}`,
      description: "CloudWatch dashboard: traffic, rejects, acknowledgement latency, queues.",
    });
  }

  /** What every function gets: the user settings, and the name its metrics are filed under. */
  private functionEnvironment(): Record<string, string> {
    return { ...this.settings, [metrics.serviceSetting]: this.stackName };
  }

  /** `ANY <path>`: the handler answers a wrong method with a ToBeText-style 405 itself. */
  private addRoute(routeId: RouteId, route: RouteDefinition, queue: ReceiverQueue): ReceiverFunction {
    const name = pascalCase(routeId);
    const receive = new ReceiverFunction(this, `${name}Receiver`, {
      entry: route.entry,
      description: `Receives ${route.label} at ${route.path} and queues it`,
      memorySizeMb: functionDefaults.memorySizeMb,
      timeoutSeconds: functionDefaults.receiveTimeoutSeconds,
      environment: {
        ...this.functionEnvironment(),
        [queues[route.queue].urlSetting]: queue.queue.queueUrl,
        [urlSecretSettings.secretArn]: this.urlSecret.secretArn,
      },
    });
    receive.allowSendingTo(queue.queue);
    this.urlSecret.grantRead(receive);

    // The bare path too: a request without the secret reaches the handler, which answers 404 and counts it.
    const integration = new HttpLambdaIntegration(`${name}Integration`, receive, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });
    for (const path of [route.path, secretRoutePath(route)]) {
      for (const httpRoute of this.httpApi.addRoutes({ path, methods: [HttpMethod.ANY], integration })) {
        Validations.of(httpRoute).acknowledge({
          id: "AwsSolutions-APIG4",
          reason:
            "ToBeText sends no credentials; callers are checked by the secret path segment (and optionally their address) in the handler.",
        });
      }
    }

    new CfnOutput(this, outputKeys.routeUrl(routeId), {
      value: `${this.httpApi.apiEndpoint}${route.path}/`,
      description: `The ${route.label} URL, to which the URL secret is appended. ${route.registration}`,
    });
    return receive;
  }

  private addConsumer(consumerId: ConsumerId, consumer: ConsumerDefinition, queue: ReceiverQueue): ReceiverFunction {
    const queueDefinition: QueueDefinition = queues[consumer.queue];
    assertConsumerFitsQueue(consumerId, consumer, queueDefinition);
    const processor = new ReceiverFunction(this, `${pascalCase(consumerId)}Consumer`, {
      entry: consumer.entry,
      description: `Processes the ${consumer.queue} queue`,
      memorySizeMb: functionDefaults.memorySizeMb,
      timeoutSeconds: consumer.timeoutSeconds,
      // Only the tables the topology lists for it: their names, and the only DynamoDB access it has.
      environment: {
        ...this.functionEnvironment(),
        ...Object.fromEntries(
          consumer.tables.map((tableId) => [tables[tableId].nameSetting, this.tables[tableId].tableName]),
        ),
      },
    });
    for (const tableId of consumer.tables) processor.allowReadingAndWriting(this.tables[tableId]);
    processor.addEventSource(
      new SqsEventSource(queue.queue, {
        batchSize: queueDefinition.batchSize,
        maxBatchingWindow: Duration.seconds(queueDefinition.maxBatchingWindowSeconds),
        maxConcurrency: queueDefinition.maximumConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    return processor;
  }

  /** What `npm run redrive` needs to move dead letters back to their queue, with the operator's credentials. */
  private addDeadLetterQueueOutputs(queueId: QueueId, queue: ReceiverQueue): void {
    new CfnOutput(this, outputKeys.deadLetterQueueArn(queueId), {
      value: queue.deadLetterQueue.queueArn,
      description: `Dead-letter queue of the ${queueId} queue (ARN); npm run redrive moves its messages back.`,
    });
    new CfnOutput(this, outputKeys.deadLetterQueueUrl(queueId), {
      value: queue.deadLetterQueue.queueUrl,
      description: `Dead-letter queue of the ${queueId} queue (URL), to look at what it holds.`,
    });
  }

  private addTableOutputs(tableId: TableId, table: ReceiverTable, definition: TableDefinition): void {
    new CfnOutput(this, outputKeys.tableName(tableId), {
      value: table.tableName,
      description: `Table of ${definition.description}`,
    });
    new CfnOutput(this, outputKeys.tableConsole(tableId), {
      // Tokens in a template literal become an Fn::Join, resolved at deploy time.
      value: `https://${this.region}.console.aws.amazon.com/dynamodbv2/home?region=${this.region}#item-explorer?table=${table.tableName}`,
      description: `DynamoDB console: ${definition.description}`,
    });
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

function stringContext(scope: Construct, name: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(name);
  return value === undefined || value === "" ? undefined : String(value);
}

/**
 * Per setting: stack props, then CDK context (`-c NAME=value`, or cdk.json), then the topology
 * default. Never the deployer's environment: a LOG_LEVEL=debug left in a shell would otherwise
 * reach production unseen. Checked here with the functions' own readers, so a bad value fails the
 * synth instead of every cold start after the deploy.
 */
function resolveSettings(scope: Construct, overrides: Partial<Settings>): Settings {
  const names = Object.values(settingNames);
  const settings = Object.fromEntries(
    names.map((name) => {
      const fromContext: unknown = scope.node.tryGetContext(name);
      const value = overrides[name] ?? (fromContext === undefined ? undefined : String(fromContext));
      return [name, value ?? settingDefaults[name]];
    }),
  ) as Settings;
  // The functions' own reader: what it refuses at cold start fails the synth instead.
  readUserSettings(settings);
  return settings;
}

/**
 * JSON lines with what tells a ToBeText retry apart from a failure: status, latency, integration error.
 * No request path: its last segment is the URL secret. The route key shows the template (`{secret}`).
 */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: "$context.requestId",
    requestTime: "$context.requestTime",
    sourceIp: "$context.identity.sourceIp",
    userAgent: "$context.identity.userAgent",
    method: "$context.httpMethod",
    routeKey: "$context.routeKey",
    status: "$context.status",
    responseLength: "$context.responseLength",
    responseLatency: "$context.responseLatency",
    integrationStatus: "$context.integration.status",
    integrationLatency: "$context.integration.latency",
    integrationError: "$context.integrationErrorMessage",
    error: "$context.error.message",
  }),
);

function mapTopology<Id extends string, Definition, Result>(
  definitions: Record<Id, Definition>,
  make: (id: Id, definition: Definition) => Result,
): Record<Id, Result> {
  return Object.fromEntries(
    (Object.entries(definitions) as [Id, Definition][]).map(([id, definition]) => [id, make(id, definition)]),
  ) as Record<Id, Result>;
}
