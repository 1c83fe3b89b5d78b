/**
 * Sending on AWS: the outbox (its queue, its dead letters, the SendSmsPolicy customers attach), the sender
 * that consumes it, the result sweep on its schedule, the ToBeText credentials secret and the expired-share
 * alarm, with exactly the IAM each has. The lists here are written out, not derived from the topology: they
 * are what a reviewer agreed each function may do. The app is synthesized as `cdk synth` builds it, without
 * bundling (no template property read here depends on it).
 */
import type { CfnElement } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { sendCredentialSettings, statusCallbackUrlSetting } from "../../functions/contract.ts";
import { type FunctionResources, functionAccess } from "../../infra/constructs/function-access.ts";
import type { ReceiverFunction } from "../../infra/constructs/receiver-function.ts";
import { assertTaskFitsSchedule } from "../../infra/constructs/scheduled-task.ts";
import { outputKeys } from "../../infra/outputs.ts";
import type { ReceiverStack } from "../../infra/stack.ts";
import {
  type FunctionDefinition,
  metrics,
  operations,
  queues,
  routes,
  schedules,
  settingNames,
  tables,
  urlSecretSettings,
} from "../../infra/topology.ts";
import { dashboardWidgets, lineLabels } from "./dashboard.ts";
import { asList, type Statement, roleStatements as statementsOfRole, synthOncePerFile } from "./synth.ts";

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

let stack: ReceiverStack;
let template: Template;

synthOncePerFile({ stage: "sending" }, (synthesized) => {
  ({ stack, template } = synthesized);
});

const resolved = (value: unknown) => JSON.stringify(stack.resolve(value));
const logicalIdOf = (construct: IConstruct) =>
  stack.resolve((construct.node.defaultChild as CfnElement).logicalId) as string;
const resources = () => template.toJSON().Resources as Record<string, Resource>;
const propertiesOf = (construct: IConstruct) => resources()[logicalIdOf(construct)]?.Properties ?? {};
const environmentOf = (fn: ReceiverFunction) =>
  (propertiesOf(fn).Environment as { Variables: Record<string, unknown> }).Variables;

const sender = () => stack.consumers.sender.processor;
const statusProcessor = () => stack.consumers.statusProcessor.processor;
const resultSweep = () => stack.schedules.resultSweep.task;
const allFunctions = () => [
  ...Object.values(stack.routes).map((route) => route.receiver),
  ...Object.values(stack.consumers).map((consumer) => consumer.processor),
  ...Object.values(stack.schedules).map((schedule) => schedule.task),
];

const roleStatements = (fn: ReceiverFunction) => statementsOfRole({ stack, template }, fn);

/** The actions a function may call, by the resource (JSON) they are allowed on, for one service. */
function accessByResource(fn: ReceiverFunction, service: string): Record<string, string[]> {
  const access: Record<string, Set<string>> = {};
  for (const statement of roleStatements(fn)) {
    const actions = asList(statement.Action).filter((action) => action.startsWith(`${service}:`));
    if (actions.length === 0) continue;
    expect(statement.Effect).toBe("Allow");
    for (const resource of asList(statement.Resource)) {
      const key = JSON.stringify(resource);
      access[key] ??= new Set();
      for (const action of actions) access[key].add(action);
    }
  }
  return Object.fromEntries(Object.entries(access).map(([resource, actions]) => [resource, [...actions].sort()]));
}

const tableArn = (tableId: keyof typeof tables) => resolved(stack.tables[tableId].tableArn);
const indexArn = (tableId: keyof typeof tables, index: string) =>
  resolved(`${stack.tables[tableId].tableArn}/index/${index}`);
const dynamoDb = (...actions: string[]) => actions.map((action) => `dynamodb:${action}`).sort();

describe("outbox queue", () => {
  it("is the topology's outbox queue, owned by the Outbox construct (no route feeds it)", () => {
    expect(stack.queues.outbox).toBe(stack.outbox.queue);
    expect(Object.values(routes).map((route) => route.queue)).not.toContain("outbox");
  });

  it("is encrypted and HTTPS-only, with a dead-letter queue after the topology's receives that outlives it", () => {
    const { queue, deadLetterQueue } = stack.outbox.queue;
    const definition = queues.outbox;
    expect(propertiesOf(queue)).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: definition.visibilityTimeoutSeconds,
      MessageRetentionPeriod: definition.retentionDays * 86_400,
      MaximumMessageSize: definition.maxMessageBytes,
      RedrivePolicy: { deadLetterTargetArn: stack.resolve(deadLetterQueue.queueArn), maxReceiveCount: 5 },
    });
    expect(definition.maxReceiveCount).toBe(5);
    expect(propertiesOf(deadLetterQueue)).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: definition.deadLetterRetentionDays * 86_400,
      MaximumMessageSize: definition.maxMessageBytes,
    });
    expect(definition.deadLetterRetentionDays).toBeGreaterThan(definition.retentionDays);
    for (const each of [queue, deadLetterQueue]) {
      // The queue policy refuses plain HTTP, and allows nobody anything: IAM identity policies are the way in.
      const policies = Object.values(
        template.findResources("AWS::SQS::QueuePolicy", { Properties: { Queues: [stack.resolve(each.queueUrl)] } }),
      ) as Resource[];
      expect(policies, each.node.path).toHaveLength(1);
      const document = policies[0]?.Properties.PolicyDocument as { Statement: Statement[] } | undefined;
      expect(document?.Statement, each.node.path).toEqual([
        {
          Effect: "Deny",
          Action: "sqs:*",
          Principal: { AWS: "*" },
          Condition: { Bool: { "aws:SecureTransport": "false" } },
          Resource: stack.resolve(each.queueArn),
        },
      ]);
    }
  });

  it("feeds the sender 5 requests at a time, 2 invocations at most, with partial batch failures", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: stack.resolve(sender().functionName),
      EventSourceArn: stack.resolve(stack.outbox.queue.queue.queueArn),
      BatchSize: 5,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    const mappings = template.findResources("AWS::Lambda::EventSourceMapping", {
      Properties: { EventSourceArn: stack.resolve(stack.outbox.queue.queue.queueArn) },
    });
    expect(Object.keys(mappings)).toHaveLength(1);
    // Its timeout stays below the queue's visibility timeout, so no request is handed out twice while in hand.
    expect(propertiesOf(sender()).Timeout).toBe(30);
    expect(propertiesOf(sender()).Timeout).toBeLessThan(queues.outbox.visibilityTimeoutSeconds);
  });
});

describe("SendSmsPolicy", () => {
  it("allows exactly SendMessage on the outbox and GetItem on sentMessages, and is attached to nothing here", () => {
    const policies = Object.values(template.findResources("AWS::IAM::ManagedPolicy"));
    expect(policies).toHaveLength(1);
    const { Properties } = policies[0] as Resource;
    expect(logicalIdOf(stack.outbox.sendPolicy)).toMatch(/^OutboxSendSmsPolicy/);
    expect((Properties.PolicyDocument as { Statement: Statement[] }).Statement).toEqual([
      {
        Sid: "QueueSendRequests",
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Resource: stack.resolve(stack.outbox.queue.queue.queueArn),
      },
      {
        Sid: "ReadSendOutcomes",
        Effect: "Allow",
        Action: "dynamodb:GetItem",
        Resource: stack.resolve(stack.tables.sentMessages.tableArn),
      },
    ]);
    // The customer attaches it to their own roles or users; no fixed name, so stages can share an account.
    for (const property of ["Roles", "Users", "Groups", "ManagedPolicyName"]) {
      expect(Properties[property], property).toBeUndefined();
    }
  });
});

describe("DynamoDB access, exactly the calls each function's code makes", () => {
  it("sender: sentMessages Get, Put, Update, Delete; deliveryReports Get, Update; suppressions Get; nothing on indexes", () => {
    expect(accessByResource(sender(), "dynamodb")).toEqual({
      [tableArn("sentMessages")]: dynamoDb("GetItem", "PutItem", "UpdateItem", "DeleteItem"),
      [tableArn("deliveryReports")]: dynamoDb("GetItem", "UpdateItem"),
      [tableArn("suppressions")]: dynamoDb("GetItem"),
    });
  });

  it("inbound processor: its former grants, plus suppressions Get and Put (no Query, no Scan), and SendMessage on the outbox alone", () => {
    const readWrite = dynamoDb("GetItem", "PutItem", "UpdateItem");
    expect(accessByResource(stack.consumers.inboundProcessor.processor, "dynamodb")).toEqual({
      [tableArn("inboundMessages")]: readWrite,
      [tableArn("dedupe")]: readWrite,
      [tableArn("rejectedRequests")]: readWrite,
      [tableArn("suppressions")]: dynamoDb("GetItem", "PutItem"),
    });
    // Its confirmation replies are send requests; consuming its own queue is the event source's.
    const sqs = accessByResource(stack.consumers.inboundProcessor.processor, "sqs");
    expect(sqs[resolved(stack.outbox.queue.queue.queueArn)]).toEqual(["sqs:SendMessage"]);
    expect(Object.keys(sqs).sort()).toEqual(
      [resolved(stack.outbox.queue.queue.queueArn), resolved(stack.queues.inboundSms.queue.queueArn)].sort(),
    );
    expect(environmentOf(stack.consumers.inboundProcessor.processor)[queues.outbox.urlSetting]).toEqual(
      stack.resolve(stack.outbox.queue.queue.queueUrl),
    );
  });

  it("status processor: its former grants, plus sentMessages Get and Update, and Query on its MsgId index only", () => {
    const readWrite = dynamoDb("GetItem", "PutItem", "UpdateItem");
    expect(accessByResource(statusProcessor(), "dynamodb")).toEqual({
      [tableArn("deliveryReports")]: readWrite,
      [tableArn("dedupe")]: readWrite,
      [tableArn("rejectedRequests")]: readWrite,
      [tableArn("sentMessages")]: dynamoDb("GetItem", "UpdateItem"),
      [indexArn("sentMessages", "msgId-requestedAt-keys")]: dynamoDb("Query"),
    });
  });

  it("result sweep: Query on the awaiting index only, sentMessages Get and Update, deliveryReports Get and Update", () => {
    expect(accessByResource(resultSweep(), "dynamodb")).toEqual({
      [tableArn("sentMessages")]: dynamoDb("GetItem", "UpdateItem"),
      [indexArn("sentMessages", "awaiting-resultDueAt-keys")]: dynamoDb("Query"),
      [tableArn("deliveryReports")]: dynamoDb("GetItem", "UpdateItem"),
    });
  });

  it("the sender may otherwise write its logs, consume the outbox, read its two secrets and publish events; the sweep logs and publishes", () => {
    expect(accessByResource(sender(), "sqs")).toEqual({
      [resolved(stack.outbox.queue.queue.queueArn)]: [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
      ],
    });
    expect(accessByResource(sender(), "secretsmanager")).toEqual({
      [resolved(stack.secrets.toBeTextCredentials.secretArn)]: [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
      ],
      [resolved(stack.urlSecret.secretArn)]: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
    });
    const services = (fn: ReceiverFunction) =>
      new Set(
        roleStatements(fn).flatMap((statement) => asList(statement.Action).map((action) => action.split(":")[0])),
      );
    // sns: each publishes sent.status-changed (test/infra/events.test.ts).
    expect(services(sender())).toEqual(new Set(["logs", "dynamodb", "sqs", "secretsmanager", "sns"]));
    expect(services(resultSweep())).toEqual(new Set(["logs", "dynamodb", "sns"]));
  });

  it("fails the synth for a declaration naming an index its table lacks, or a table the function does not use", () => {
    const fakeResources = {
      tables: Object.fromEntries(Object.entries(tables).map(([id, definition]) => [id, { definition }])),
      secrets: {},
      routes: {},
    } as unknown as FunctionResources;
    const base: FunctionDefinition = { entry: "x.ts", timeoutSeconds: 1, tables: ["sentMessages"] };
    expect(() =>
      functionAccess(
        "f",
        { ...base, tableAccess: { sentMessages: { items: [], queries: ["bySender"] } } },
        fakeResources,
      ),
    ).toThrow(/queries index bySender, which table sentMessages does not have/);
    expect(() =>
      functionAccess("f", { ...base, tableAccess: { dedupe: { items: ["GetItem"] } } }, fakeResources),
    ).toThrow(/tableAccess for dedupe, which is not one of its tables/);
    expect(() => functionAccess("f", { ...base, routeUrls: ["inboundSms"] }, fakeResources)).toThrow(
      /route inboundSms, which has no urlSetting/,
    );
  });
});

describe("sender environment", () => {
  it("gives the status callback URL without its secret: the API's endpoint and the route's path", () => {
    const url = environmentOf(sender())[statusCallbackUrlSetting];
    expect(url).toEqual({ "Fn::Join": ["", [stack.resolve(stack.httpApi.apiEndpoint), routes.statusCallback.path]] });
    // No secret in it, in any form: the sender reads the URL secret itself and appends it.
    const text = JSON.stringify(url);
    expect(text).not.toContain(logicalIdOf(stack.urlSecret));
    expect(text).not.toMatch(/secretsmanager|\{secret\}|SecretString/);
  });

  it("gives the ARNs of the URL secret and the ToBeText credentials, never their values", () => {
    const variables = environmentOf(sender());
    expect(variables[urlSecretSettings.secretArn]).toEqual(stack.resolve(stack.urlSecret.secretArn));
    expect(variables[sendCredentialSettings.secretArn]).toEqual(
      stack.resolve(stack.secrets.toBeTextCredentials.secretArn),
    );
    expect(variables[settingNames.sendApiUrl]).toBe("https://api-dev.tbnws.com:18443/sms");
    expect(JSON.stringify(variables)).not.toMatch(/resolve:secretsmanager|SET-ME/);
  });

  it("is the only function that knows the credentials' ARN or gives out the callback URL", () => {
    for (const fn of allFunctions()) {
      if (fn === sender()) continue;
      const variables = environmentOf(fn);
      expect(variables[sendCredentialSettings.secretArn], fn.node.path).toBeUndefined();
      expect(variables[statusCallbackUrlSetting], fn.node.path).toBeUndefined();
    }
  });
});

describe("ToBeText credentials secret", () => {
  it("is made with a placeholder generated by Secrets Manager: {cid: SET-ME, token: <random>}", () => {
    expect(propertiesOf(stack.secrets.toBeTextCredentials)).toMatchObject({
      GenerateSecretString: { SecretStringTemplate: '{"cid":"SET-ME"}', GenerateStringKey: "token" },
    });
    expect(propertiesOf(stack.secrets.toBeTextCredentials).SecretString).toBeUndefined();
  });

  it("is readable by the sender alone: no other role, no managed policy, no resource policy names it", () => {
    const secretRef = resolved(stack.secrets.toBeTextCredentials.secretArn);
    const naming = Object.entries(resources())
      .filter(([, resource]) => resource.Type !== "AWS::Lambda::Function")
      .filter(([, resource]) => JSON.stringify(resource.Properties ?? {}).includes(secretRef))
      .map(([logicalId]) => logicalId);
    const senderPolicies = Object.entries(resources())
      .filter(([, resource]) => resource.Type === "AWS::IAM::Policy")
      .filter(([, resource]) => JSON.stringify(resource.Properties.Roles) === `[${resolved(sender().role?.roleName)}]`)
      .map(([logicalId]) => logicalId);
    expect(naming).toEqual(senderPolicies);
    expect(naming).toHaveLength(1);
  });

  it("has its ARN, not its value, in the outputs", () => {
    template.hasOutput(outputKeys.toBeTextCredentialsSecretArn, {
      Value: stack.resolve(stack.secrets.toBeTextCredentials.secretArn),
    });
    expect(JSON.stringify(template.findOutputs("*"))).not.toMatch(/SecretString|resolve:secretsmanager/);
  });
});

describe("result sweep", () => {
  it("runs every 15 minutes, from an EventBridge rule whose only target is its function", () => {
    const { task, rule } = stack.schedules.resultSweep;
    expect(schedules.resultSweep.everyMinutes).toBe(15);
    expect(propertiesOf(rule)).toMatchObject({
      ScheduleExpression: "rate(15 minutes)",
      State: "ENABLED",
      Targets: [{ Arn: stack.resolve(task.functionArn), Id: expect.any(String) }],
    });
    expect((propertiesOf(rule).Targets as unknown[]).length).toBe(1);
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: stack.resolve(task.functionArn),
      Principal: "events.amazonaws.com",
      SourceArn: stack.resolve(rule.ruleArn),
    });
  });

  it("is not retried: the next run redoes what a failed one left", () => {
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: stack.resolve(resultSweep().functionName),
      MaximumRetryAttempts: 0,
    });
  });

  it("gets its tables' names, the user settings and the metrics service, and logs to its own group", () => {
    const variables = environmentOf(resultSweep());
    expect(variables).toMatchObject({
      [tables.sentMessages.nameSetting]: stack.resolve(stack.tables.sentMessages.tableName),
      [tables.deliveryReports.nameSetting]: stack.resolve(stack.tables.deliveryReports.tableName),
      [settingNames.resultTimeoutSeconds]: String(72 * 3600),
      [metrics.serviceSetting]: stack.stackName,
    });
    expect(propertiesOf(resultSweep())).toMatchObject({
      Timeout: schedules.resultSweep.timeoutSeconds,
      LoggingConfig: { LogGroup: stack.resolve(resultSweep().logGroup.logGroupName) },
    });
    expect(propertiesOf(resultSweep().logGroup)).toMatchObject({ RetentionInDays: 30 });
  });

  it("is checked at synth: a run may not outlast its interval", () => {
    const sweep = schedules.resultSweep;
    expect(() => assertTaskFitsSchedule("resultSweep", { ...sweep, timeoutSeconds: 15 * 60 })).toThrow(/interval/);
    expect(() => assertTaskFitsSchedule("resultSweep", sweep)).not.toThrow();
  });
});

describe("operations", () => {
  interface AlarmProperties {
    AlarmActions?: unknown[];
    MetricName?: string;
    Dimensions?: { Name: string; Value: unknown }[];
    Metrics?: { Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: unknown }[];
    [property: string]: unknown;
  }
  const alarms = () =>
    Object.values(template.findResources("AWS::CloudWatch::Alarm")).map((alarm) => alarm.Properties as AlarmProperties);
  const topicRef = () => resolved(stack.operations.alarmTopic.topicArn);

  it("alarm on the expired share of sent messages' final results over 6 hours, from 20 results on", () => {
    const expiredShare = alarms().filter((alarm) =>
      alarm.Metrics?.some((metric) => metric.Expression?.includes("expired")),
    );
    expect(expiredShare).toHaveLength(1);
    const alarm = expiredShare[0] as AlarmProperties;
    const stat = (metricName: string) => ({
      Metric: {
        Namespace: metrics.namespace,
        MetricName: metricName,
        Dimensions: [{ Name: "service", Value: stack.stackName }],
      },
      Period: 6 * 3600,
      Stat: "Sum",
    });
    expect(alarm).toMatchObject({
      Threshold: operations.expiredShareAlarmPercent,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    });
    expect(alarm.Metrics).toEqual([
      {
        Id: expect.any(String),
        Expression: "IF(total >= 20, 100 * FILL(expired, 0) / total, 0)",
        Label: expect.any(String),
        ReturnData: true,
      },
      {
        Id: "total",
        Expression: "FILL(delivered, 0) + FILL(failed, 0) + FILL(expired, 0)",
        Label: expect.any(String),
        ReturnData: false,
      },
      { Id: "delivered", MetricStat: stat(metrics.names.sentDelivered), ReturnData: false },
      { Id: "failed", MetricStat: stat(metrics.names.sentFailed), ReturnData: false },
      { Id: "expired", MetricStat: stat(metrics.names.sentExpired), ReturnData: false },
    ]);
    expect((alarm.AlarmActions ?? []).map((action) => JSON.stringify(action))).toContain(topicRef());
  });

  it("alarm on the outbox's dead letters and oldest message, and on the sender's and the sweep's errors", () => {
    const on = (metricName: string, dimension: unknown) =>
      alarms().filter(
        (alarm) =>
          alarm.MetricName === metricName &&
          alarm.Dimensions?.some((each) => JSON.stringify(each.Value) === JSON.stringify(dimension)),
      );
    const { queue, deadLetterQueue } = stack.outbox.queue;
    expect(on("ApproximateNumberOfMessagesVisible", stack.resolve(deadLetterQueue.queueName))).toHaveLength(1);
    expect(on("ApproximateAgeOfOldestMessage", stack.resolve(queue.queueName))).toHaveLength(1);
    for (const fn of [sender(), resultSweep()]) {
      const errors = on("Errors", stack.resolve(fn.functionName));
      expect(errors, fn.node.path).toHaveLength(1);
      expect((errors[0]?.AlarmActions ?? []).map((action) => JSON.stringify(action))).toContain(topicRef());
    }
  });

  it("draw the outbox's traffic (sends requested, and what became of them) and the final results", () => {
    const widgets = dashboardWidgets(template);
    const metricNames = (titlePrefix: string) => {
      const widget = widgets.find((each) => each.properties.title?.startsWith(titlePrefix));
      return (widget?.properties.metrics ?? []).map((metric) => metric[1]);
    };
    expect(metricNames("Sends requested per minute")).toEqual([
      "NumberOfMessagesSent",
      metrics.names.sendsAccepted,
      metrics.names.sendsRefused,
      metrics.names.sendsUnknown,
      metrics.names.sendsHeld,
    ]);
    expect(metricNames("Sent messages' final results")).toEqual([
      metrics.names.sentDelivered,
      metrics.names.sentFailed,
      metrics.names.sentExpired,
    ]);
    expect(lineLabels(widgets)).toEqual(
      expect.arrayContaining(["outbox waiting", "outbox dead-lettered", "sender errors", "resultSweep errors"]),
    );
  });
});

describe("outputs", () => {
  it("give the outbox's URL and ARN, the policy to attach, and the dead-letter queue's, under the keys tools read", () => {
    expect([outputKeys.queueUrl("outbox"), outputKeys.queueArn("outbox"), outputKeys.sendPolicyArn]).toEqual([
      "OutboxQueueUrl",
      "OutboxQueueArn",
      "SendPolicyArn",
    ]);
    const { queue, deadLetterQueue } = stack.outbox.queue;
    template.hasOutput("OutboxQueueUrl", { Value: stack.resolve(queue.queueUrl) });
    template.hasOutput("OutboxQueueArn", { Value: stack.resolve(queue.queueArn) });
    template.hasOutput("SendPolicyArn", { Value: stack.resolve(stack.outbox.sendPolicy.managedPolicyArn) });
    template.hasOutput("OutboxDeadLetterQueueArn", { Value: stack.resolve(deadLetterQueue.queueArn) });
    template.hasOutput("OutboxDeadLetterQueueUrl", { Value: stack.resolve(deadLetterQueue.queueUrl) });
    template.hasOutput("ToBeTextCredentialsSecretArn", Match.anyValue());
    template.hasOutput("SentMessagesTableName", { Value: stack.resolve(stack.tables.sentMessages.tableName) });
  });
});

describe("logical ids", () => {
  it("of the sending resources are pinned: once deployed, a refactor must keep them (keepFormerLogicalIds)", () => {
    // A new logical id would replace the resource: a new, empty table or queue, a new credentials secret.
    const { queue, deadLetterQueue } = stack.outbox.queue;
    const pinned: [IConstruct, string][] = [
      [stack.tables.sentMessages, "SentMessagesTable2DF7C168"],
      [stack.tables.suppressions, "SuppressionsTable0F52A639"],
      [stack.secrets.toBeTextCredentials, "ToBeTextCredentialsDEFD92AF"],
      [queue, "OutboxQueue0822BD5E"],
      [queue.node.findChild("Policy"), "OutboxQueuePolicy4534EAD9"],
      [deadLetterQueue, "OutboxQueueDeadLetters6DA82EEE"],
      [deadLetterQueue.node.findChild("Policy"), "OutboxQueueDeadLettersPolicy128BFB08"],
      [sender().logGroup, "SenderConsumerLogsFBCDC288"],
      [resultSweep().logGroup, "ResultSweepScheduleTaskLogs8E97D65B"],
    ];
    for (const [construct, logicalId] of pinned) expect(logicalIdOf(construct), construct.node.path).toBe(logicalId);
  });
});
