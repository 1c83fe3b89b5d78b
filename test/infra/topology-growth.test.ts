/**
 * A route, a consumer and a schedule added to the topology, and nothing else changed: the stack gives them
 * everything the existing ones have. The topology here is the real one plus a made-up fax route,
 * its queue, its processor and a sweep; the app is synthesized without bundling (no handler is read).
 */
import type { App, CfnElement } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it, vi } from "vitest";
import type { ReceiverFunction } from "../../infra/constructs/receiver-function.ts";
import { outputKeys } from "../../infra/outputs.ts";
import type { ReceiverStack } from "../../infra/stack.ts";
import {
  type ConsumerDefinition,
  type ConsumerId,
  consumers,
  type QueueDefinition,
  type QueueId,
  queues,
  type RouteDefinition,
  type RouteId,
  routes,
  type ScheduleId,
  schedules,
} from "../../infra/topology.ts";
import { dashboardWidgets, dimensionValues, lineLabels } from "./dashboard.ts";
import { type Statement, roleStatements as statementsOfRole, synthOncePerFile } from "./synth.ts";

vi.mock("../../infra/topology.ts", async (importOriginal) => {
  const topology = await importOriginal<typeof import("../../infra/topology.ts")>();
  return {
    ...topology,
    routes: {
      ...topology.routes,
      fax: {
        label: "fax",
        queue: "faxes",
        maxBodyBytes: 4096,
        path: "/fax",
        entry: "functions/status-callback/handler.ts",
        registration: "Give it to the fax gateway.",
        storedMetrics: [{ name: topology.metrics.names.callbacksStored, label: "faxes stored" }],
      },
    },
    queues: { ...topology.queues, faxes: { ...topology.queues.statusCallbacks, urlSetting: "FAX_QUEUE_URL" } },
    consumers: {
      ...topology.consumers,
      faxProcessor: {
        entry: "functions/status-processor/handler.ts",
        queue: "faxes",
        timeoutSeconds: 10,
        tables: ["dedupe"],
      },
    },
    schedules: {
      ...topology.schedules,
      faxSweep: {
        entry: "functions/status-processor/handler.ts",
        everyMinutes: 60,
        timeoutSeconds: 60,
        tables: ["dedupe", "inboundMessages"],
        tableAccess: { inboundMessages: { items: ["GetItem"], queries: ["sender-firstArrivalAt-keys"] } },
      },
    },
  };
});

// The made-up entries, as the mocked topology has them; ids cast since the real types do not know them.
const faxId = "fax" as RouteId;
const faxesId = "faxes" as QueueId;
const faxProcessorId = "faxProcessor" as ConsumerId;
const fax = (routes as Record<string, RouteDefinition>).fax as RouteDefinition;
const faxes = (queues as Record<string, QueueDefinition>).faxes as QueueDefinition;
const faxProcessor = (consumers as Record<string, ConsumerDefinition>)[faxProcessorId] as ConsumerDefinition;
const faxSweepId = "faxSweep" as ScheduleId;

let stack: ReceiverStack;
let template: Template;
let app: App;

synthOncePerFile({ stage: "grown" }, (synthesized) => {
  ({ stack, template, app } = synthesized);
});

const resolved = (value: unknown) => JSON.stringify(stack.resolve(value));
const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);

const roleStatements = (fn: ReceiverFunction) => statementsOfRole({ stack, template }, fn);

const withPrefix = (statements: Statement[], prefix: string) =>
  statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith(prefix)));

describe("a route added to the topology", () => {
  it("is a ReceiveRoute of its own, with its queue, dead-letter queue and receive function", () => {
    expect(faxId in stack.routes).toBe(true);
    const route = stack.routes[faxId];
    template.resourceCountIs("AWS::SQS::Queue", Object.keys(queues).length * 2);
    template.resourceCountIs(
      "AWS::Lambda::Function",
      Object.keys(routes).length + Object.keys(consumers).length + Object.keys(schedules).length,
    );
    expect(stack.queues[faxesId]).toBe(route.queue);
    template.hasResource("AWS::SQS::Queue", {
      Properties: {
        VisibilityTimeout: faxes.visibilityTimeoutSeconds,
        RedrivePolicy: {
          deadLetterTargetArn: stack.resolve(route.queue.deadLetterQueue.queueArn),
          maxReceiveCount: faxes.maxReceiveCount,
        },
      },
    });
    const receiver = template.toJSON().Resources[logicalId(route.receiver)];
    expect(receiver.Properties.Environment.Variables.FAX_QUEUE_URL).toEqual(stack.resolve(route.queue.queue.queueUrl));
  });

  it("is served at its path, with and without the secret, by its own function", () => {
    for (const routeKey of [`ANY ${fax.path}`, `ANY ${fax.path}/{secret}`]) {
      template.hasResourceProperties("AWS::ApiGatewayV2::Route", { RouteKey: routeKey });
    }
    template.hasResourceProperties("AWS::ApiGatewayV2::Integration", {
      IntegrationUri: stack.resolve(stack.routes[faxId].receiver.functionArn),
    });
  });

  it("gets its URL and its dead-letter queue's outputs, under the keys the tools read", () => {
    template.hasOutput(outputKeys.routeUrl(faxId), {
      Description: `The fax URL, to which the URL secret is appended. ${fax.registration}`,
    });
    const { deadLetterQueue } = stack.routes[faxId].queue;
    template.hasOutput(outputKeys.deadLetterQueueArn(faxesId), { Value: stack.resolve(deadLetterQueue.queueArn) });
    template.hasOutput(outputKeys.deadLetterQueueUrl(faxesId), { Value: stack.resolve(deadLetterQueue.queueUrl) });
  });

  it("may send to its own queue and read the URL secret, nothing else", () => {
    const route = stack.routes[faxId];
    const statements = roleStatements(route.receiver);
    expect(withPrefix(statements, "sqs:")).toEqual([
      expect.objectContaining({ Action: "sqs:SendMessage", Resource: stack.resolve(route.queue.queue.queueArn) }),
    ]);
    expect(withPrefix(statements, "secretsmanager:").map((statement) => JSON.stringify(statement.Resource))).toEqual([
      resolved(stack.urlSecret.secretArn),
    ]);
    expect(withPrefix(statements, "dynamodb:")).toEqual([]);
  });

  it("is alarmed and drawn on the dashboard like the others", () => {
    const { queue, deadLetterQueue } = stack.routes[faxId].queue;
    const alarmed = Object.values(template.findResources("AWS::CloudWatch::Alarm")).map(
      (alarm) => `${alarm.Properties.MetricName} ${JSON.stringify(alarm.Properties.Dimensions)}`,
    );
    for (const [metric, dimension] of [
      ["ApproximateNumberOfMessagesVisible", stack.resolve(deadLetterQueue.queueName)],
      ["ApproximateAgeOfOldestMessage", stack.resolve(queue.queueName)],
      ["Unavailable", "fax"],
      ["Denied", "fax"],
    ]) {
      const value = JSON.stringify(dimension);
      expect(
        alarmed.filter((alarm) => alarm.startsWith(`${metric} `) && alarm.includes(value)),
        metric,
      ).toHaveLength(1);
    }
    const widgets = dashboardWidgets(template);
    expect(dimensionValues(widgets, "route")).toEqual(new Set(Object.keys(routes)));
    expect(widgets.map((widget) => widget.properties.title)).toContain("Fax accepted per minute (as stored)");
    expect(lineLabels(widgets)).toEqual(
      expect.arrayContaining(["rejected fax", "503 fax", "fax waiting", "fax dead-lettered", "fax errors"]),
    );
  });
});

describe("a consumer added to the topology", () => {
  it("is fed by its queue in batches with partial failures", () => {
    const consumer = stack.consumers[faxProcessorId];
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: stack.resolve(consumer.processor.functionName),
      EventSourceArn: stack.resolve(stack.routes[faxId].queue.queue.queueArn),
      BatchSize: faxes.batchSize,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: faxes.maximumConcurrency },
    });
    expect(consumer.alarms).toHaveLength(1);
    expect(lineLabels(dashboardWidgets(template))).toContain("faxProcessor errors");
  });

  it("may get, put and update items in its own tables only", () => {
    const consumer = stack.consumers[faxProcessorId];
    const statements = withPrefix(roleStatements(consumer.processor), "dynamodb:");
    expect(statements).toEqual([
      expect.objectContaining({
        Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        Resource: stack.resolve(stack.tables[faxProcessor.tables[0] as "dedupe"].tableArn),
      }),
    ]);
  });

  it("leaves the app free of cdk-nag findings", () => {
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });
});

describe("a schedule added to the topology", () => {
  it("is a ScheduledTask of its own: its function, run by an EventBridge rule at its interval", () => {
    const { task, rule } = stack.schedules[faxSweepId];
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 hour)",
      Targets: [Match.objectLike({ Arn: stack.resolve(task.functionArn) })],
    });
    // That very rule (not just some rule): at its interval, enabled, its one target this function.
    expect(template.toJSON().Resources[logicalId(rule)]).toMatchObject({
      Type: "AWS::Events::Rule",
      Properties: {
        ScheduleExpression: "rate(1 hour)",
        State: "ENABLED",
        Targets: [expect.objectContaining({ Arn: { "Fn::GetAtt": [logicalId(task), "Arn"] } })],
      },
    });
    const fn = template.toJSON().Resources[logicalId(task)];
    expect(fn.Properties.Timeout).toBe(60);
    expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining(["DEDUPE_TABLE", "INBOUND_MESSAGES_TABLE"]),
    );
  });

  it("may do exactly what its definition declares on its tables: read-write items by default, else as said", () => {
    const { task } = stack.schedules[faxSweepId];
    const inboundArn = stack.resolve(stack.tables.inboundMessages.tableArn);
    expect(withPrefix(roleStatements(task), "dynamodb:")).toEqual([
      expect.objectContaining({
        Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        Resource: stack.resolve(stack.tables.dedupe.tableArn),
      }),
      expect.objectContaining({ Action: "dynamodb:GetItem", Resource: inboundArn }),
      expect.objectContaining({
        Action: "dynamodb:Query",
        Resource: { "Fn::Join": ["", [inboundArn, "/index/sender-firstArrivalAt-keys"]] },
      }),
    ]);
    expect(withPrefix(roleStatements(task), "secretsmanager:")).toEqual([]);
  });

  it("is alarmed and drawn on the dashboard like the others", () => {
    expect(stack.schedules[faxSweepId].alarms).toHaveLength(1);
    expect(lineLabels(dashboardWidgets(template))).toContain("faxSweep errors");
  });
});
