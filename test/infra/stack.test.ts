/**
 * The CDK stack against the topology: every route, queue, consumer and table defined there, with the
 * properties that keep the system safe to run. The app is built once, as `cdk synth` builds it
 * (cdk.json's feature flags, cdk-nag registered), and its Lambdas are really bundled by esbuild.
 */

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { App, type CfnElement, type CfnResource, Stack } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { Construct, type IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createReceiverApp } from "../../infra/app.ts";
import { assertConsumerFitsQueue } from "../../infra/constructs/queue-consumer.ts";
import type { ReceiverFunction } from "../../infra/constructs/receiver-function.ts";
import { assertDeadLettersOutliveQueue, ReceiverQueue } from "../../infra/constructs/receiver-queue.ts";
import { outputKeys } from "../../infra/outputs.ts";
import type { ReceiverStack } from "../../infra/stack.ts";
import {
  type ConsumerDefinition,
  type ConsumerId,
  consumers,
  type FunctionDefinition,
  limits,
  metrics,
  operations,
  type QueueDefinition,
  type QueueId,
  queues,
  type RouteDefinition,
  type RouteId,
  readWriteItems,
  routes,
  type ScheduleDefinition,
  type ScheduleId,
  type SecretId,
  schedules,
  secretRoutePath,
  secrets,
  settingDefaults,
  settingNames,
  type TableAccess,
  type TableDefinition,
  type TableId,
  tables,
  urlSecretSettings,
} from "../../infra/topology.ts";
import { dashboardWidgets, dimensionValues, lineLabels } from "./dashboard.ts";
import { cdkJsonContext, synthWithoutBundling } from "./synth.ts";

/** A resource as the template has it; each test names the properties it reads. */
interface Resource<Properties = Record<string, unknown>> {
  Type: string;
  Properties: Properties;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
interface FunctionProperties {
  Timeout: number;
  Code: { S3Key: string };
  Environment: { Variables: Record<string, unknown> };
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
interface PolicyProperties {
  Roles: unknown[];
  PolicyDocument: { Statement: Statement[] };
}
interface TableProperties {
  AttributeDefinitions: { AttributeType: string }[];
  GlobalSecondaryIndexes?: { IndexName: string }[];
  TimeToLiveSpecification?: unknown;
}

const settingsFromContext = {
  [settingNames.prefixes]: "TBT,NEWS",
  [settingNames.receivingNumbers]: "01012341234",
  [settingNames.logLevel]: "warn",
};

const routeEntries = Object.entries(routes) as [RouteId, RouteDefinition][];
const consumerEntries = Object.entries(consumers) as [ConsumerId, ConsumerDefinition][];
const scheduleEntries = Object.entries(schedules) as [ScheduleId, ScheduleDefinition][];
const queueEntries = Object.entries(queues) as [QueueId, QueueDefinition][];
const tableEntries = Object.entries(tables) as [TableId, TableDefinition][];

let app: App;
let stack: ReceiverStack;
let template: Template;

/**
 * Another app with these context values, synthesized without bundling (which changes no template
 * property these checks read), then removed.
 */
function withApp(context: Record<string, unknown>, check: (other: ReceiverStack, template: Template) => void): void {
  const other = synthWithoutBundling(context);
  try {
    check(other.stack, other.template);
  } finally {
    other.remove();
  }
}

beforeAll(() => {
  ({ app, stack } = createReceiverApp({ context: { ...cdkJsonContext, stage: "test", ...settingsFromContext } }));
  // Synthesizes the app: bundles the Lambdas and runs cdk-nag, which throws on any finding left open.
  template = Template.fromStack(stack);
});

// The app synthesized into a temporary directory of its own, bundles included.
afterAll(() => rmSync(app.outdir, { recursive: true, force: true }));

/** A stack's functions: each route's receive function, each consumer's processor, each schedule's task. */
const receiversOf = (of: ReceiverStack) => Object.values(of.routes).map((route) => route.receiver);
const processorsOf = (of: ReceiverStack) => Object.values(of.consumers).map((consumer) => consumer.processor);
const tasksOf = (of: ReceiverStack) => Object.values(of.schedules).map((schedule) => schedule.task);
/** The consumers and scheduled tasks, with their definitions: the functions whose grants the topology declares. */
const definedFunctions = () => [
  ...consumerEntries.map(([id, definition]) => ({ id, definition, fn: stack.consumers[id].processor })),
  ...scheduleEntries.map(([id, definition]) => ({ id, definition, fn: stack.schedules[id].task })),
];

/** The JSON CloudFormation will see for a token (an ARN, a Ref). */
const resolved = (value: unknown): string => JSON.stringify(stack.resolve(value));
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function resourcesOfType<Properties = Record<string, unknown>>(type: string): Resource<Properties>[] {
  return Object.values(template.findResources(type)) as Resource<Properties>[];
}

/** The logical id CloudFormation sees for a construct (an L2's default child), overrides included. */
const logicalIdOf = (construct: IConstruct, inStack: ReceiverStack = stack): string =>
  inStack.resolve((construct.node.defaultChild as CfnElement).logicalId) as string;

/** The template's resource for a construct (an L2's default child); the app's own stack unless said. */
function resourceOf<Properties = Record<string, unknown>>(
  construct: IConstruct,
  inStack: ReceiverStack = stack,
  inTemplate: Template = template,
): Resource<Properties> {
  const id = logicalIdOf(construct, inStack);
  const resource = (inTemplate.toJSON().Resources as Record<string, Resource<Properties>>)[id];
  if (!resource) throw new Error(`${construct.node.path} has no resource ${id} in the template`);
  return resource;
}

/** Every statement of every policy attached to the function's role. */
function roleStatements(fn: ReceiverFunction): Statement[] {
  const roleRef = resolved(fn.role?.roleName);
  return resourcesOfType<PolicyProperties>("AWS::IAM::Policy")
    .filter((policy) => policy.Properties.Roles.some((role) => JSON.stringify(role) === roleRef))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((statement) => asList(statement.Action));
const withActionPrefix = (statements: Statement[], prefix: string) =>
  statements.filter((statement) => actionsOf([statement]).some((action) => action.startsWith(prefix)));

describe("stack", () => {
  it("is named after the stage", () => {
    expect(stack.stackName).toBe("ToBeTextReceiver-test");
  });

  it("has no unacknowledged cdk-nag finding and no error annotation", () => {
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
    expect(Annotations.fromStack(stack).findError("*", Match.anyValue())).toEqual([]);
  });

  it("gives no resource a fixed physical name, so stages can share an account", () => {
    const nameProperties = {
      "AWS::DynamoDB::GlobalTable": "TableName",
      "AWS::SQS::Queue": "QueueName",
      "AWS::Lambda::Function": "FunctionName",
      "AWS::Logs::LogGroup": "LogGroupName",
      "AWS::IAM::Role": "RoleName",
    };
    for (const [type, property] of Object.entries(nameProperties)) {
      const resources = resourcesOfType(type);
      expect(resources.length, type).toBeGreaterThan(0);
      for (const resource of resources) expect(resource.Properties[property], `${type} ${property}`).toBeUndefined();
    }
  });

  it("keeps the logical ids of the tables, the URL secret and the API, so a deploy never replaces them", () => {
    // What deployed stacks have: a new logical id would mean a new table (the old one retained, out of use),
    // a new secret or a new API, and so new URLs to register with ToBeText.
    const deployed: [IConstruct, string][] = [
      [stack.tables.inboundMessages, "InboundMessagesTable77C68B1F"],
      [stack.tables.dedupe, "DedupeTableBA3ED9BF"],
      [stack.tables.deliveryReports, "DeliveryReportsTableE9142516"],
      [stack.tables.rejectedRequests, "RejectedRequestsTable77154B97"],
      [stack.urlSecret, "UrlSecret335CFD1B"],
      [stack.httpApi, "HttpApiF5A9A8A7"],
    ];
    for (const [construct, logicalId] of deployed) {
      expect(logicalIdOf(construct), construct.node.path).toBe(logicalId);
    }
  });

  it("keeps the logical ids of the queues, dead-letter queues, their policies and the log groups, so a deploy never replaces them", () => {
    // What deployed stacks have, from when the stack made queues and functions itself (before ReceiveRoute
    // and QueueConsumer): a new logical id would mean a new, empty queue (the old one deleted with the
    // messages and dead letters still in it) or a new log group (the old one deleted with its logs).
    const queueIds = (queue: ReceiverQueue, [queueId, policyId, deadLettersId, deadLettersPolicyId]: string[]) =>
      [
        [queue.queue, queueId],
        [queue.queue.node.findChild("Policy"), policyId],
        [queue.deadLetterQueue, deadLettersId],
        [queue.deadLetterQueue.node.findChild("Policy"), deadLettersPolicyId],
      ] as [IConstruct, string][];
    const logGroupId = (fn: ReceiverFunction, logicalId: string): [IConstruct, string] => [fn.logGroup, logicalId];
    const deployed: [IConstruct, string][] = [
      ...queueIds(stack.queues.inboundSms, [
        "InboundSmsQueue53A43192",
        "InboundSmsQueuePolicy7B051990",
        "InboundSmsQueueDeadLetters9AFCBC49",
        "InboundSmsQueueDeadLettersPolicy82EEC13A",
      ]),
      ...queueIds(stack.queues.statusCallbacks, [
        "StatusCallbacksQueueA52F3DF8",
        "StatusCallbacksQueuePolicy6A053B5A",
        "StatusCallbacksQueueDeadLetters199821B2",
        "StatusCallbacksQueueDeadLettersPolicy092723B9",
      ]),
      logGroupId(stack.routes.inboundSms.receiver, "InboundSmsReceiverLogs39BCF6E8"),
      logGroupId(stack.routes.statusCallback.receiver, "StatusCallbackReceiverLogsD0364FF5"),
      logGroupId(stack.consumers.inboundProcessor.processor, "InboundProcessorConsumerLogs17E5C085"),
      logGroupId(stack.consumers.statusProcessor.processor, "StatusProcessorConsumerLogsF5EC2150"),
      [stack.node.findChild("HttpApiAccessLogs"), "HttpApiAccessLogs4B419BF6"],
    ];
    const resources = template.toJSON().Resources as Record<string, Resource>;
    for (const [construct, logicalId] of deployed) {
      expect(logicalIdOf(construct), construct.node.path).toBe(logicalId);
      expect(resources[logicalId]?.Type, logicalId).toBe((construct.node.defaultChild as CfnResource).cfnResourceType);
    }
  });

  it("gives a queue moved into another construct the logical ids CDK gave it where it was", () => {
    const other = new App();
    try {
      const definition = queues.inboundSms;
      const before = new ReceiverQueue(new Stack(other, "Before"), "SomeQueue", { queueId: "inboundSms", definition });
      const after = new ReceiverQueue(new Construct(new Stack(other, "After"), "SomeRoute"), "Queue", {
        queueId: "inboundSms",
        definition,
        formerId: "SomeQueue",
      });
      const logicalIds = (queue: ReceiverQueue) =>
        Object.keys(Template.fromStack(Stack.of(queue)).toJSON().Resources as object).sort();
      expect(logicalIds(after)).toEqual(logicalIds(before));
      expect(logicalIds(after)).toHaveLength(4);
    } finally {
      rmSync(other.outdir, { recursive: true, force: true });
    }
  });
});

describe("HTTP API", () => {
  it("routes ANY <path>/{secret} (and the bare path) of every route to its receive function, payload 2.0", () => {
    template.resourceCountIs("AWS::ApiGatewayV2::Api", 1);
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", { ProtocolType: "HTTP" });
    template.resourceCountIs("AWS::ApiGatewayV2::Route", routeEntries.length * 2);
    for (const [routeId, route] of routeEntries) {
      const integrationIds = Object.keys(
        template.findResources("AWS::ApiGatewayV2::Integration", {
          Properties: {
            IntegrationType: "AWS_PROXY",
            PayloadFormatVersion: "2.0",
            IntegrationUri: stack.resolve(stack.routes[routeId].receiver.functionArn),
          },
        }),
      );
      expect(integrationIds, route.path).toHaveLength(1);
      for (const routeKey of [`ANY ${route.path}`, `ANY ${secretRoutePath(route)}`]) {
        template.hasResourceProperties("AWS::ApiGatewayV2::Route", {
          RouteKey: routeKey,
          Target: { "Fn::Join": ["", ["integrations/", { Ref: integrationIds[0] }]] },
        });
      }
    }
  });

  it("serves the routes on an auto-deployed $default stage with access logs and per-route throttling", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: limits.throttle.rateLimitPerSecond,
        ThrottlingBurstLimit: limits.throttle.burstLimit,
      },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp("\\$context\\.requestId") },
    });
  });

  it("never writes the request path in the access log, whose last segment is the URL secret", () => {
    const [stage] = resourcesOfType<{ AccessLogSettings: { Format: string } }>("AWS::ApiGatewayV2::Stage");
    const variables = stage?.Properties.AccessLogSettings.Format.match(/\$context\.[\w.]+/g) ?? [];
    // $context.path, $context.resourcePath, $context.customDomain.basePathMatched and the like.
    expect(variables.filter((variable) => /path/i.test(variable))).toEqual([]);
    // The route key names the template, `ANY /inbound/{secret}`, never the secret itself.
    expect(variables).toContain("$context.routeKey");
  });
});

describe("functions", () => {
  const allFunctions = () => [...receiversOf(stack), ...processorsOf(stack), ...tasksOf(stack)];

  it("are exactly the routes', consumers' and schedules' functions, on nodejs24.x and arm64", () => {
    template.resourceCountIs(
      "AWS::Lambda::Function",
      routeEntries.length + consumerEntries.length + scheduleEntries.length,
    );
    for (const fn of allFunctions()) {
      expect(resourceOf(fn).Properties, fn.node.path).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        LoggingConfig: { LogGroup: stack.resolve(fn.logGroup.logGroupName) },
      });
      // No --enable-source-maps, which parses the source map at every cold start: stacks are mapped when logged.
      expect(resourceOf<FunctionProperties>(fn).Properties.Environment.Variables, fn.node.path).not.toHaveProperty(
        "NODE_OPTIONS",
      );
    }
  });

  it("get every user setting: context first, then the topology's defaults", () => {
    const expected = { ...settingDefaults, ...settingsFromContext };
    for (const fn of allFunctions()) {
      expect(resourceOf<FunctionProperties>(fn).Properties.Environment.Variables, fn.node.path).toMatchObject(expected);
    }
  });

  it("never take a setting from the deployer's environment, only from context (or the defaults)", () => {
    const environmentOf = (other: ReceiverStack, otherTemplate: Template) =>
      [...receiversOf(other), ...processorsOf(other), ...tasksOf(other)].map(
        (fn) => resourceOf<FunctionProperties>(fn, other, otherTemplate).Properties.Environment.Variables,
      );
    vi.stubEnv(settingNames.logLevel, "debug");
    vi.stubEnv(settingNames.prefixes, "X");
    try {
      withApp({ stage: "shell" }, (other, otherTemplate) => {
        for (const variables of environmentOf(other, otherTemplate)) {
          expect(variables).toMatchObject({
            [settingNames.logLevel]: settingDefaults[settingNames.logLevel],
            [settingNames.prefixes]: settingDefaults[settingNames.prefixes],
          });
        }
      });
      withApp(
        { stage: "shell", [settingNames.logLevel]: "debug", [settingNames.prefixes]: "X" },
        (other, otherTemplate) => {
          for (const variables of environmentOf(other, otherTemplate)) {
            expect(variables).toMatchObject({ [settingNames.logLevel]: "debug", [settingNames.prefixes]: "X" });
          }
        },
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("receive functions get their queue's URL and a timeout inside API Gateway's 30 seconds", () => {
    for (const [routeId, route] of routeEntries) {
      const { Properties } = resourceOf<FunctionProperties>(stack.routes[routeId].receiver);
      expect(Properties.Environment.Variables[queues[route.queue].urlSetting]).toEqual(
        stack.resolve(stack.queues[route.queue].queue.queueUrl),
      );
      expect(Properties.Timeout).toBeLessThan(30);
    }
  });

  it("consumers and tasks get the names of their own tables only, and their topology timeout", () => {
    for (const { id, definition, fn } of definedFunctions()) {
      const { Properties } = resourceOf<FunctionProperties>(fn);
      for (const [tableId, table] of tableEntries) {
        const expected = definition.tables.includes(tableId)
          ? stack.resolve(stack.tables[tableId].tableName)
          : undefined;
        expect(Properties.Environment.Variables[table.nameSetting], `${id} ${tableId}`).toEqual(expected);
      }
      expect(Properties.Timeout, id).toBe(definition.timeoutSeconds);
    }
  });

  it("consumers time out before their queue's visibility timeout", () => {
    for (const [consumerId, consumer] of consumerEntries) {
      const { Properties } = resourceOf<FunctionProperties>(stack.consumers[consumerId].processor);
      const queue = resourceOf<{ VisibilityTimeout: number }>(stack.queues[consumer.queue].queue);
      expect(Properties.Timeout, consumerId).toBeLessThan(queue.Properties.VisibilityTimeout);
    }
  });

  /** A function's bundle in the synthesized app, and the environment it gets (placeholders for deploy-time values). */
  function bundleOf(fn: ReceiverFunction) {
    const { Code, Environment } = resourceOf<FunctionProperties>(fn).Properties;
    const assetDirectory = join(app.outdir, `asset.${Code.S3Key.replace(/\.zip$/, "")}`);
    // Settings are read at module load: placeholders stand in for the values known at deploy time.
    const env = Object.fromEntries(
      Object.entries(Environment.Variables).map(([name, value]) => [
        name,
        typeof value === "string" ? value : `placeholder-${name}`,
      ]),
    );
    return { assetDirectory, bundle: JSON.stringify(join(assetDirectory, "index.mjs")), env };
  }

  /** Runs `script` (which may use `bundle`, the module's path) in a fresh Node process, with the function's environment. */
  function runWithBundle(fn: ReceiverFunction, script: string) {
    const { bundle, env } = bundleOf(fn);
    return spawnSync(process.execPath, ["--input-type=module", "-e", `const bundle = ${bundle}; ${script}`], {
      env: { PATH: process.env.PATH, AWS_REGION: "ap-northeast-2", ...env },
      encoding: "utf8",
    });
  }

  it("are bundled into ESM with source maps, which loads in Node and exports handler", () => {
    for (const fn of allFunctions()) {
      expect(existsSync(join(bundleOf(fn).assetDirectory, "index.mjs.map")), fn.node.path).toBe(true);
      const loaded = runWithBundle(fn, "const { handler } = await import(bundle); console.log(typeof handler);");
      // Node echoes the failing (minified, megabyte-long) source line: keep only the error itself.
      const errors = loaded.stderr.split("\n").filter((line) => /^\w*Error\b/.test(line));
      expect({ errors, stdout: loaded.stdout.trim() }, fn.node.path).toEqual({ errors: [], stdout: "function" });
    }
  });

  it("log an error's stack in terms of the TypeScript sources, from the map beside the bundle", () => {
    // The line where a processor reads a record's envelope: a record that is none fails there. The
    // consumers of the routes' queues read envelopes; the outbox carries the customer's requests.
    const processorSource = readFileSync(new URL("../../functions/sqs/envelope-processor.ts", import.meta.url), "utf8");
    const parseLine = processorSource.split("\n").findIndex((line) => line.includes("parseEnvelope(record.body)")) + 1;
    expect(parseLine).toBeGreaterThan(0);
    const routeQueues = new Set(routeEntries.map(([, route]) => route.queue));
    const envelopeProcessors = consumerEntries.filter(([, consumer]) => routeQueues.has(consumer.queue));
    expect(envelopeProcessors.length).toBeGreaterThan(0);
    for (const fn of envelopeProcessors.map(([consumerId]) => stack.consumers[consumerId].processor)) {
      const invoked = runWithBundle(
        fn,
        `const { handler } = await import(bundle);
        const record = { messageId: "m-1", body: "not an envelope", attributes: { ApproximateReceiveCount: "1" } };
        const context = { awsRequestId: "r-1", functionName: "f", getRemainingTimeInMillis: () => 10000 };
        await handler({ Records: [record] }, context).catch(() => {});`,
      );
      const [logged] = `${invoked.stdout}${invoked.stderr}`
        .split("\n")
        .filter((line) => line.includes('"record failed'))
        .map((line) => JSON.parse(line) as { error: { stack: string } });
      expect(logged?.error.stack, fn.node.path).toMatch(
        new RegExp(`\\(\\S*functions/sqs/envelope-processor\\.ts:${parseLine}:\\d+\\)`),
      );
      expect(logged?.error.stack, fn.node.path).not.toContain("index.mjs");
    }
  });
});

describe("queues", () => {
  const allQueues = () => Object.values(stack.queues).flatMap(({ queue, deadLetterQueue }) => [queue, deadLetterQueue]);

  it("hand a message to the dead-letter queue after the topology's maxReceiveCount", () => {
    for (const [queueId, definition] of queueEntries) {
      const { queue, deadLetterQueue } = stack.queues[queueId];
      expect(resourceOf(queue).Properties).toMatchObject({
        VisibilityTimeout: definition.visibilityTimeoutSeconds,
        RedrivePolicy: {
          deadLetterTargetArn: stack.resolve(deadLetterQueue.queueArn),
          maxReceiveCount: definition.maxReceiveCount,
        },
      });
      expect(resourceOf(deadLetterQueue).Properties).toMatchObject({
        MessageRetentionPeriod: definition.deadLetterRetentionDays * 86_400,
      });
    }
  });

  it("take messages up to the topology's size, SQS's largest (1 MiB), dead-letter queues too", () => {
    for (const [queueId, definition] of queueEntries) {
      expect(definition.maxMessageBytes, queueId).toBe(1024 * 1024);
      const { queue, deadLetterQueue } = stack.queues[queueId];
      for (const each of [queue, deadLetterQueue]) {
        expect(resourceOf(each).Properties.MaximumMessageSize, each.node.path).toBe(definition.maxMessageBytes);
      }
    }
  });

  it("keep a dead letter longer than its queue keeps a message, since SQS ages it from its first enqueue", () => {
    for (const [queueId, { queue, deadLetterQueue }] of Object.entries(stack.queues)) {
      const retention = resourceOf<{ MessageRetentionPeriod: number }>(queue).Properties.MessageRetentionPeriod;
      const deadLetterRetention = resourceOf<{ MessageRetentionPeriod: number }>(deadLetterQueue).Properties
        .MessageRetentionPeriod;
      expect(deadLetterRetention, queueId).toBeGreaterThan(retention);
    }
  });

  it("are encrypted with SQS-managed keys and refuse anything but HTTPS, dead-letter queues too", () => {
    for (const queue of allQueues()) {
      expect(resourceOf(queue).Properties.SqsManagedSseEnabled, queue.node.path).toBe(true);
      template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [stack.resolve(queue.queueUrl)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: "Deny",
              Action: "sqs:*",
              Principal: { AWS: "*" },
              Condition: { Bool: { "aws:SecureTransport": "false" } },
              Resource: stack.resolve(queue.queueArn),
            }),
          ]),
        },
      });
    }
  });

  it("feed their consumers in batches, with partial batch failures and bounded concurrency", () => {
    for (const [consumerId, consumer] of consumerEntries) {
      const definition: QueueDefinition = queues[consumer.queue];
      template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
        FunctionName: stack.resolve(stack.consumers[consumerId].processor.functionName),
        EventSourceArn: stack.resolve(stack.queues[consumer.queue].queue.queueArn),
        BatchSize: definition.batchSize,
        MaximumBatchingWindowInSeconds: definition.maxBatchingWindowSeconds,
        FunctionResponseTypes: ["ReportBatchItemFailures"],
        ScalingConfig: { MaximumConcurrency: definition.maximumConcurrency },
      });
    }
  });

  it("are checked at synth: a dead-letter queue must keep messages longer than its queue", () => {
    for (const [queueId, queue] of queueEntries) {
      for (const deadLetterRetentionDays of [queue.retentionDays, queue.retentionDays - 1]) {
        expect(() => assertDeadLettersOutliveQueue(queueId, { ...queue, deadLetterRetentionDays })).toThrow(
          /dead-letter queue keeps messages/,
        );
      }
      expect(() => assertDeadLettersOutliveQueue(queueId, queue)).not.toThrow();
    }
  });

  it("are checked at synth: a consumer may not outlast its queue's visibility timeout", () => {
    for (const [consumerId, consumer] of consumerEntries) {
      const queue: QueueDefinition = queues[consumer.queue];
      const tooShort = { ...queue, visibilityTimeoutSeconds: consumer.timeoutSeconds };
      expect(() => assertConsumerFitsQueue(consumerId, consumer, tooShort)).toThrow(/visibility timeout/);
      expect(() => assertConsumerFitsQueue(consumerId, consumer, queue)).not.toThrow();
    }
  });
});

describe("tables", () => {
  it("are on demand, recoverable, protected from deletion and retained, with the topology's keys and indexes", () => {
    template.resourceCountIs("AWS::DynamoDB::GlobalTable", tableEntries.length);
    for (const [tableId, definition] of tableEntries) {
      const resource = resourceOf<TableProperties>(stack.tables[tableId]);
      expect(resource, tableId).toMatchObject({
        DeletionPolicy: "Retain",
        UpdateReplacePolicy: "Retain",
        Properties: {
          BillingMode: "PAY_PER_REQUEST",
          KeySchema: [
            { AttributeName: definition.partitionKey, KeyType: "HASH" },
            ...(definition.sortKey ? [{ AttributeName: definition.sortKey, KeyType: "RANGE" }] : []),
          ],
          Replicas: [
            { DeletionProtectionEnabled: true, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } },
          ],
        },
      });
      const attributeTypes = new Set(
        resource.Properties.AttributeDefinitions.map((attribute) => attribute.AttributeType),
      );
      expect(attributeTypes).toEqual(new Set(["S"]));
      expect((resource.Properties.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName)).toEqual(
        definition.indexes.map((index) => index.name),
      );
    }
  });

  it("expire items only where the topology names a time-to-live attribute", () => {
    for (const [tableId, definition] of tableEntries) {
      const { Properties } = resourceOf<TableProperties>(stack.tables[tableId]);
      expect(Properties.TimeToLiveSpecification, tableId).toEqual(
        definition.timeToLiveAttribute === undefined
          ? undefined
          : { AttributeName: definition.timeToLiveAttribute, Enabled: true },
      );
    }
  });
});

describe("permissions", () => {
  it("roles carry no managed policies", () => {
    for (const role of resourcesOfType("AWS::IAM::Role")) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("a receive function may send to its own queue only, and touch no table", () => {
    for (const [routeId, route] of routeEntries) {
      const statements = roleStatements(stack.routes[routeId].receiver);
      const sqsStatements = withActionPrefix(statements, "sqs:");
      expect(actionsOf(sqsStatements)).toEqual(["sqs:SendMessage"]);
      for (const statement of sqsStatements) {
        expect(statement.Resource).toEqual(stack.resolve(stack.queues[route.queue].queue.queueArn));
      }
      expect(withActionPrefix(statements, "dynamodb:")).toEqual([]);
    }
  });

  /** Each resource (a table's ARN, an index's) a function may call DynamoDB on, with the actions it may call. */
  function dynamoDbAccess(fn: ReceiverFunction): Map<string, Set<string>> {
    const byResource = new Map<string, Set<string>>();
    for (const statement of withActionPrefix(roleStatements(fn), "dynamodb:")) {
      for (const resource of asList(statement.Resource).map((value) => JSON.stringify(value))) {
        const actions = byResource.get(resource) ?? new Set<string>();
        for (const action of actionsOf([statement])) actions.add(action);
        byResource.set(resource, actions);
      }
    }
    return byResource;
  }

  /** What the topology declares for a function, as resources and actions (see dynamoDbAccess). */
  function declaredAccess({ tables: used, tableAccess }: FunctionDefinition): Map<string, Set<string>> {
    const declared = new Map<string, Set<string>>();
    for (const tableId of used) {
      const access: TableAccess = tableAccess?.[tableId] ?? readWriteItems;
      const { tableArn } = stack.tables[tableId];
      declared.set(resolved(tableArn), new Set(access.items.map((action) => `dynamodb:${action}`)));
      for (const index of access.queries ?? []) {
        declared.set(resolved(`${tableArn}/index/${index}`), new Set(["dynamodb:Query"]));
      }
    }
    return declared;
  }

  it("grants every DynamoDB command the functions' code imports, and none of the scans", () => {
    const functionsDirectory = fileURLToPath(new URL("../../functions", import.meta.url));
    const called = new Set<string>();
    for (const file of readdirSync(functionsDirectory, { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".ts")) continue;
      const source = readFileSync(join(functionsDirectory, file), "utf8");
      for (const [, names] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*"@aws-sdk\/(?:lib|client)-dynamodb"/g)) {
        // Commands, and the paginators that send them (paginateQuery sends QueryCommand).
        for (const [, paginated, sent] of (names ?? "").matchAll(/(?:paginate(\w+)|(\w+)Command)\b/g)) {
          const command = paginated ?? sent;
          // The document client drops the Item(s) suffix of the API actions: GetCommand is GetItem.
          const action = /^(Get|Put|Update|Delete|BatchGet|BatchWrite)$/.test(command ?? "")
            ? `${command}Item`
            : /^Transact(Get|Write)$/.test(command ?? "")
              ? `${command}Items`
              : command;
          called.add(`dynamodb:${action}`);
        }
      }
    }
    const granted = new Set(
      definedFunctions().flatMap(({ fn }) => [...dynamoDbAccess(fn).values()].flatMap((set) => [...set])),
    );
    // Exactly what the code calls: items by key, index queries; nothing granted that no code uses.
    expect(called).toEqual(
      new Set(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]),
    );
    expect(granted).toEqual(called);
  });

  it("consumers and tasks get exactly the table access the topology declares: items on the table, Query on named indexes", () => {
    for (const { id, definition, fn } of definedFunctions()) {
      const access = dynamoDbAccess(fn);
      expect(access, id).toEqual(declaredAccess(definition));
      // Query on an index only, never on a table (the whole partition of any key) and never a Scan.
      for (const [resource, actions] of access) {
        if (actions.has("dynamodb:Query")) expect(resource, id).toContain("/index/");
        expect(actions.has("dynamodb:Scan"), id).toBe(false);
      }
    }
  });

  it("keeps the receive pipeline's processors to the item reads and writes they always had", () => {
    const itemActions = new Set(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]);
    const onTables = (...tableIds: TableId[]) =>
      new Map(tableIds.map((tableId) => [resolved(stack.tables[tableId].tableArn), itemActions] as const));
    const inboundProcessor = dynamoDbAccess(stack.consumers.inboundProcessor.processor);
    for (const [resource, actions] of onTables("inboundMessages", "dedupe", "rejectedRequests")) {
      expect(inboundProcessor.get(resource)).toEqual(actions);
    }
    const statusProcessor = dynamoDbAccess(stack.consumers.statusProcessor.processor);
    for (const [resource, actions] of onTables("deliveryReports", "dedupe", "rejectedRequests")) {
      expect(statusProcessor.get(resource)).toEqual(actions);
    }
  });

  it("only the sender consumes the outbox, and a consumer or task sends only to the queues it declares (sendsTo)", () => {
    for (const { id, definition, fn } of definedFunctions()) {
      const sends = withActionPrefix(roleStatements(fn), "sqs:SendMessage");
      expect(actionsOf(sends), id).toEqual((definition.sendsTo ?? []).map(() => "sqs:SendMessage"));
      expect(
        sends.map((statement) => JSON.stringify(statement.Resource)),
        id,
      ).toEqual((definition.sendsTo ?? []).map((queueId) => resolved(stack.queues[queueId].queue.queueArn)));
      const consumes = withActionPrefix(roleStatements(fn), "sqs:ReceiveMessage");
      const outboxArn = resolved(stack.queues.outbox.queue.queueArn);
      if (id !== "sender") {
        expect(
          consumes.map((statement) => JSON.stringify(statement.Resource)),
          id,
        ).not.toContain(outboxArn);
      }
    }
  });
});

describe("outputs", () => {
  const outputs = () => Object.values(template.findOutputs("*")) as { Value: unknown; Description?: string }[];

  it("give each route's full URL, saying where to give it to ToBeText", () => {
    const endpoint = stack.resolve(stack.httpApi.apiEndpoint);
    for (const route of Object.values<RouteDefinition>(routes)) {
      const url = outputs().filter(
        (output) => JSON.stringify(output.Value) === JSON.stringify({ "Fn::Join": ["", [endpoint, `${route.path}/`]] }),
      );
      expect(url, route.path).toHaveLength(1);
      expect(url[0]?.Description).toContain(route.registration);
      if (route === routes.inboundSms) expect(url[0]?.Description).toMatch(/Register it with ToBeText/);
      if (route === routes.statusCallback) expect(url[0]?.Description).toMatch(/`callback` parameter/);
    }
  });

  it("give each dead-letter queue's ARN and URL under the keys npm run redrive reads", () => {
    for (const [queueId, { deadLetterQueue }] of Object.entries(stack.queues) as [QueueId, ReceiverQueue][]) {
      template.hasOutput(outputKeys.deadLetterQueueArn(queueId), { Value: stack.resolve(deadLetterQueue.queueArn) });
      template.hasOutput(outputKeys.deadLetterQueueUrl(queueId), { Value: stack.resolve(deadLetterQueue.queueUrl) });
    }
  });

  it("give each table's name and a link to it in the DynamoDB console", () => {
    for (const table of Object.values(stack.tables)) {
      const name = stack.resolve(table.tableName);
      expect(outputs().filter((output) => JSON.stringify(output.Value) === JSON.stringify(name))).toHaveLength(1);
      template.hasOutput("*", {
        Value: {
          "Fn::Join": [
            "",
            Match.arrayWith([
              Match.stringLikeRegexp("console\\.aws\\.amazon\\.com/dynamodbv2/"),
              Match.stringLikeRegexp("#item-explorer\\?table=$"),
              name,
            ]),
          ],
        },
      });
    }
  });
});

describe("operations", () => {
  interface AlarmProperties {
    MetricName?: string;
    Namespace?: string;
    Threshold: number;
    ComparisonOperator: string;
    Dimensions?: { Name: string; Value: unknown }[];
    AlarmActions?: unknown[];
    AlarmDescription?: string;
  }
  const alarms = () => resourcesOfType<AlarmProperties>("AWS::CloudWatch::Alarm").map((alarm) => alarm.Properties);
  const alarmsOn = (metricName: string, dimension: unknown) =>
    alarms().filter(
      (alarm) =>
        alarm.MetricName === metricName &&
        alarm.Dimensions?.some((candidate) => JSON.stringify(candidate.Value) === JSON.stringify(dimension)),
    );
  const topicRef = () => resolved(stack.operations.alarmTopic.topicArn);

  it("alarm when a message is dead-lettered, and when a queue's oldest message is too old", () => {
    for (const [queueId, queue] of Object.entries(stack.queues)) {
      const dead = alarmsOn("ApproximateNumberOfMessagesVisible", stack.resolve(queue.deadLetterQueue.queueName));
      expect(dead, queueId).toHaveLength(1);
      expect(dead[0]).toMatchObject({ Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold" });
      const old = alarmsOn("ApproximateAgeOfOldestMessage", stack.resolve(queue.queue.queueName));
      expect(old, queueId).toHaveLength(1);
      expect(old[0]?.Threshold).toBe(operations.oldestMessageAlarmSeconds);
    }
  });

  it("alarm on API 5xx answers, consumer errors, failed records and 503s", () => {
    expect(alarms().filter((alarm) => alarm.MetricName === "5xx" && alarm.Namespace === "AWS/ApiGateway")).toHaveLength(
      1,
    );
    for (const fn of [...processorsOf(stack), ...tasksOf(stack)]) {
      expect(alarmsOn("Errors", stack.resolve(fn.functionName)), fn.node.path).toHaveLength(1);
    }
    expect(alarms().filter((alarm) => alarm.MetricName === metrics.names.recordsFailed)).toHaveLength(1);
    for (const routeId of Object.keys(routes)) {
      expect(alarmsOn(metrics.names.unavailable, routeId), routeId).toHaveLength(1);
    }
  });

  it("alarm per route on ten or more denied requests in 5 minutes: after a botched rotation every message is refused", () => {
    for (const routeId of Object.keys(routes)) {
      const denied = alarmsOn(metrics.names.denied, routeId);
      expect(denied, routeId).toHaveLength(1);
      expect(denied[0]).toMatchObject({
        Namespace: metrics.namespace,
        Statistic: "Sum",
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 10,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
      });
      // The dimensions the functions emit Denied with, or the alarm watches a metric that never comes.
      expect(new Set(denied[0]?.Dimensions?.map((dimension) => JSON.stringify(dimension)))).toEqual(
        new Set([
          JSON.stringify({ Name: "service", Value: stack.stackName }),
          JSON.stringify({ Name: "route", Value: routeId }),
        ]),
      );
      expect(denied[0]?.AlarmDescription).toMatch(/rotat/);
    }
  });

  it("send every alarm to the alarm topic", () => {
    expect(alarms().length).toBeGreaterThan(0);
    for (const alarm of alarms()) {
      expect((alarm.AlarmActions ?? []).map((action) => JSON.stringify(action))).toContain(topicRef());
    }
  });

  it("let CloudWatch publish this account's alarms to the alarm topic, over TLS only", () => {
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [stack.resolve(stack.operations.alarmTopic.topicArn)],
      PolicyDocument: {
        // In the order CDK writes them: the topic's own deny, then what is added to it.
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          {
            Sid: "CloudWatchAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: stack.resolve(stack.operations.alarmTopic.topicArn),
            Condition: {
              StringEquals: { "aws:SourceAccount": stack.resolve(stack.account) },
              ArnLike: {
                "aws:SourceArn": stack.resolve(
                  `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
                ),
              },
            },
          },
        ]),
      },
    });
  });

  it("e-mail the alarms only to an address given at deploy time", () => {
    template.resourceCountIs("AWS::SNS::Subscription", 0);
    withApp({ stage: "mail", alarmEmail: "ops@example.com" }, (_, withEmail) => {
      withEmail.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "ops@example.com" });
    });
  });

  it("draw a dashboard of inbound, duplicates, rejects, acknowledgement latency, callbacks and queues", () => {
    const [dashboard] = resourcesOfType<{ DashboardBody: unknown }>("AWS::CloudWatch::Dashboard");
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const shown of [
      metrics.names.inboundStored,
      metrics.names.callbacksStored,
      metrics.names.duplicatesAbsorbed,
      metrics.names.rejected,
      metrics.names.callbackLateness,
      "Latency",
      "ApproximateNumberOfMessagesVisible",
      String(operations.ackBudgetMs),
    ]) {
      expect(body).toContain(shown);
    }
  });

  it("draw each route's lines on the dashboard, and no route the topology does not have", () => {
    const widgets = dashboardWidgets(template);
    expect(dimensionValues(widgets, "route")).toEqual(new Set(Object.keys(routes)));
    const labels = lineLabels(widgets);
    for (const id of [...Object.keys(routes), ...Object.keys(consumers), ...Object.keys(schedules)]) {
      expect(labels, id).toContain(`${id} errors`);
    }
  });

  it("file every function's metrics under the stack's name", () => {
    for (const fn of [...receiversOf(stack), ...processorsOf(stack), ...tasksOf(stack)]) {
      expect(resourceOf<FunctionProperties>(fn).Properties.Environment.Variables[metrics.serviceSetting]).toBe(
        stack.stackName,
      );
    }
  });

  it("keep unprocessed messages for the topology's retention", () => {
    for (const [queueId, queue] of Object.entries(stack.queues)) {
      expect(resourceOf(queue.queue).Properties.MessageRetentionPeriod, queueId).toBe(
        queues[queueId as QueueId].retentionDays * 86_400,
      );
    }
  });

  it("refuse at synth a setting the functions would refuse at cold start", () => {
    for (const bad of [
      { [settingNames.dedupeWindowSeconds]: "an hour" },
      { [settingNames.receivingNumbers]: "01012341234,not-a-number" },
      { [settingNames.logLevel]: "loud" },
      { [settingNames.allowedSources]: "203.0.113.0/33" },
    ]) {
      expect(() => createReceiverApp({ context: { stage: "bad", ...bad } }), JSON.stringify(bad)).toThrow(
        /DEDUPE_WINDOW_SECONDS|TOBETEXT_NUMBERS|LOG_LEVEL|TOBETEXT_ALLOWED_CIDRS/,
      );
    }
  });
});

describe("security", () => {
  it("lets exactly the functions that need a secret read it, and gives them its ARN, not its value", () => {
    // The receive functions check the URL secret; the sender appends it to the callback URL and signs in to ToBeText.
    const expectedReaders: Record<SecretId, ReceiverFunction[]> = {
      urlSecret: [...receiversOf(stack), stack.consumers.sender.processor],
      toBeTextCredentials: [stack.consumers.sender.processor],
    };
    const allFunctions = [...receiversOf(stack), ...processorsOf(stack), ...tasksOf(stack)];
    for (const [secretId, readers] of Object.entries(expectedReaders) as [SecretId, ReceiverFunction[]][]) {
      const secretArn = resolved(stack.secrets[secretId].secretArn);
      const readsSecret = (fn: ReceiverFunction) =>
        roleStatements(fn).some(
          (statement) =>
            actionsOf([statement]).includes("secretsmanager:GetSecretValue") &&
            asList(statement.Resource).some((resource) => JSON.stringify(resource) === secretArn),
        );
      expect(
        allFunctions.filter(readsSecret).map((fn) => fn.node.path),
        secretId,
      ).toEqual(readers.map((fn) => fn.node.path));
      for (const fn of readers) {
        const variables = resourceOf<FunctionProperties>(fn).Properties.Environment.Variables;
        expect(JSON.stringify(variables[secrets[secretId].arnSetting]), fn.node.path).toBe(secretArn);
      }
    }
    expect(secrets.urlSecret.arnSetting).toBe(urlSecretSettings.secretArn);
    // Only the functions' own role policies name a secret: no managed policy, no resource policy.
    const namingSecrets = Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(
      ([, resource]) =>
        resource.Type !== "AWS::IAM::Policy" &&
        resource.Type !== "AWS::Lambda::Function" &&
        Object.values(stack.secrets).some((secret) =>
          JSON.stringify(resource.Properties ?? {}).includes(resolved(secret.secretArn)),
        ),
    );
    expect(namingSecrets.map(([logicalId]) => logicalId)).toEqual([]);
  });

  it("keeps the URL secret out of the template: generated by Secrets Manager, never written in an output", () => {
    template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: "current", PasswordLength: 40 }),
    });
    const outputs = JSON.stringify(template.findOutputs("*"));
    expect(outputs).not.toMatch(/SecretString|resolve:secretsmanager/);
  });

  it("encrypts every table with a KMS key and every queue with SQS-managed keys", () => {
    for (const table of resourcesOfType<{ SSESpecification?: unknown }>("AWS::DynamoDB::GlobalTable")) {
      expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: "KMS" });
    }
    for (const queue of resourcesOfType<{ SqsManagedSseEnabled?: boolean }>("AWS::SQS::Queue")) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    }
  });

  it("makes nothing public: no resource policy allows an anonymous principal", () => {
    const policies = [
      ...resourcesOfType<{ PolicyDocument: { Statement: (Statement & { Principal?: unknown })[] } }>(
        "AWS::SQS::QueuePolicy",
      ),
      ...resourcesOfType<{ PolicyDocument: { Statement: (Statement & { Principal?: unknown })[] } }>(
        "AWS::SNS::TopicPolicy",
      ),
    ];
    for (const policy of policies) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        if (statement.Effect === "Allow")
          expect(JSON.stringify(statement.Principal)).not.toMatch(/"\*"|\{"AWS":"\*"\}/);
      }
    }
    // Lambda permissions: only API Gateway invokes the receive functions, each from this API; only
    // each schedule's rule invokes its task.
    const tasks = new Set(tasksOf(stack).map((task) => resolved(task.functionArn)));
    const permissions = resourcesOfType<{ Principal: string; SourceArn?: unknown; FunctionName: unknown }>(
      "AWS::Lambda::Permission",
    );
    for (const permission of permissions) {
      if (tasks.has(JSON.stringify(permission.Properties.FunctionName))) continue;
      expect(permission.Properties.Principal).toBe("apigateway.amazonaws.com");
      expect(JSON.stringify(permission.Properties.SourceArn)).toContain(
        JSON.stringify(stack.resolve(stack.httpApi.apiId)),
      );
    }
    for (const schedule of Object.values(stack.schedules)) {
      const invokers = permissions.filter(
        (permission) => JSON.stringify(permission.Properties.FunctionName) === resolved(schedule.task.functionArn),
      );
      expect(invokers.map((permission) => permission.Properties)).toEqual([
        expect.objectContaining({
          Principal: "events.amazonaws.com",
          SourceArn: stack.resolve(schedule.rule.ruleArn),
        }),
      ]);
    }
  });
});
