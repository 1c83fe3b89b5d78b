/**
 * The system on AWS, made from the topology alone: the shared resources here, one ReceiveRoute per
 * route, the Outbox, one QueueConsumer per consumer and one ScheduledTask per schedule, each owning
 * its wiring. A route, queue, consumer, schedule or table added to infra/topology.ts appears here
 * without a change to this file.
 */
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import type { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { readUserSettings } from "../functions/config/user-settings.ts";
import type { SettingName } from "../functions/contract.ts";
import { EventsTopic } from "./constructs/events-topic.ts";
import type { FunctionResources } from "./constructs/function-access.ts";
import { metricsService } from "./constructs/monitoring.ts";
import { Operations } from "./constructs/operations.ts";
import { Outbox } from "./constructs/outbox.ts";
import { processorMetrics } from "./constructs/processor-metrics.ts";
import { type ConsumedQueue, QueueConsumer } from "./constructs/queue-consumer.ts";
import { ReceiveRoute } from "./constructs/receive-route.ts";
import { receiverHttpApi } from "./constructs/receiver-api.ts";
import type { ReceiverQueue } from "./constructs/receiver-queue.ts";
import { ReceiverTable } from "./constructs/receiver-table.ts";
import { ScheduledTask } from "./constructs/scheduled-task.ts";
import { toBeTextCredentials } from "./constructs/tobetext-credentials.ts";
import { urlSecret } from "./constructs/url-secret.ts";
import { indexesAt, indexUpgradeStepSetting, readIndexUpgradeStep } from "./index-upgrade.ts";
import { outputKeys, pascalCase } from "./outputs.ts";
import {
  type ConsumerId,
  consumers,
  metrics,
  outbox,
  type QueueId,
  queues,
  type RouteId,
  routes,
  type ScheduleId,
  type SecretId,
  schedules,
  settingDefaults,
  settingNames,
  type TableId,
  type TopicId,
  tables,
  topics,
} from "./topology.ts";

export type Settings = Record<SettingName, string>;

export interface ReceiverStackProps extends StackProps {
  /** Settings that win over CDK context and the topology's defaults. */
  settings?: Partial<Settings>;
  /** Where alarms are e-mailed (besides their SNS topic); also `-c alarmEmail=...`. */
  alarmEmail?: string;
}

export class ReceiverStack extends Stack {
  readonly settings: Settings;
  readonly httpApi: HttpApi;
  readonly urlSecret: Secret;
  /** The secrets functions may read, by the topology's secret id (the URL secret among them). */
  readonly secrets: Record<SecretId, Secret>;
  readonly tables: Record<TableId, ReceiverTable>;
  readonly routes: Record<RouteId, ReceiveRoute>;
  readonly outbox: Outbox;
  /** Each queue, by the topology's queue id, whichever construct owns it (its route, or the outbox). */
  readonly queues: Record<QueueId, ReceiverQueue>;
  readonly consumers: Record<ConsumerId, QueueConsumer>;
  readonly schedules: Record<ScheduleId, ScheduledTask>;
  /** The topics for downstream systems (README "Events"), by the topology's topic id. */
  readonly topics: Record<TopicId, EventsTopic>;
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: ReceiverStackProps = {}) {
    super(scope, id, props);
    this.settings = resolveSettings(this, props.settings ?? {});
    // What every function gets: the user settings, and the name its metrics are filed under.
    const environment = { ...this.settings, [metrics.serviceSetting]: metricsService(this) };
    // The same values, for `npm run replay`, which runs acceptance with what the receive function has.
    new CfnOutput(this, outputKeys.acceptanceSettings, {
      value: JSON.stringify(acceptanceSettingsOf(this.settings)),
      description:
        "The settings an inbound SMS is accepted with (TOBETEXT_NUMBERS, TOBETEXT_PREFIXES): npm run replay reads them",
    });

    // Made directly in the stack under these ids, which their logical ids (and so the URLs) come from.
    this.httpApi = receiverHttpApi(this, "HttpApi", this.stackName);
    this.urlSecret = urlSecret(this, "UrlSecret");
    this.secrets = {
      urlSecret: this.urlSecret,
      toBeTextCredentials: toBeTextCredentials(this, "ToBeTextCredentials"),
    };

    // `-c indexUpgradeStep=N`: a stack deployed with the former indexes gets the topology's in steps.
    const indexUpgradeStep = readIndexUpgradeStep(this.node.tryGetContext(indexUpgradeStepSetting));
    // Their construct ids are their logical ids' source: changing one would replace a table on deploy.
    this.tables = mapTopology(tables, (tableId, definition) => {
      const table = new ReceiverTable(this, `${pascalCase(tableId)}Table`, {
        definition,
        indexes: indexesAt(definition, indexUpgradeStep),
      });
      addTableOutputs(this, tableId, table);
      return table;
    });

    this.routes = mapTopology(
      routes,
      (routeId, route) =>
        new ReceiveRoute(this, `${pascalCase(routeId)}Route`, {
          routeId,
          route,
          queue: queues[route.queue],
          httpApi: this.httpApi,
          urlSecret: this.urlSecret,
          environment,
          formerIds: { queue: formerIds.queue(route.queue), receiver: formerIds.receiver(routeId) },
        }),
    );
    this.outbox = new Outbox(this, "Outbox", {
      queueId: outbox.queue,
      queue: queues[outbox.queue],
      outcomesTable: this.tables[outbox.outcomesTable],
    });
    const ownerOf = queueOwnerIn([...Object.values<ReceiveRoute>(this.routes), this.outbox]);
    this.queues = mapTopology(queues, (queueId) => ownerOf(queueId).queue);

    this.topics = mapTopology(
      topics,
      (topicId, definition) => new EventsTopic(this, `${pascalCase(topicId)}Topic`, { topicId, definition }),
    );

    // What a consumer's or task's definition may name; each is given only what it names.
    const resources: FunctionResources = {
      tables: this.tables,
      secrets: this.secrets,
      routes: mapTopology(routes, (_, route) => ({ route, url: `${this.httpApi.apiEndpoint}${route.path}` })),
      topics: mapTopology(this.topics, (_, topic) => topic.topic),
      queues: mapTopology(this.queues, (_, queue) => queue.queue),
    };
    this.consumers = mapTopology(
      consumers,
      (consumerId, consumer) =>
        new QueueConsumer(this, `${pascalCase(consumerId)}Consumer`, {
          consumerId,
          consumer,
          source: ownerOf(consumer.queue),
          resources,
          environment,
          dashboard: processorMetrics[consumerId],
          formerProcessorId: formerIds.processor(consumerId),
        }),
    );
    this.schedules = mapTopology(
      schedules,
      (scheduleId, schedule) =>
        new ScheduledTask(this, `${pascalCase(scheduleId)}Schedule`, { scheduleId, schedule, resources, environment }),
    );

    const alarmEmail = props.alarmEmail ?? stringContext(this, "alarmEmail");
    this.operations = new Operations(this, "Operations", {
      httpApi: this.httpApi,
      watched: [
        ...Object.values<ReceiveRoute>(this.routes),
        this.outbox,
        ...Object.values<QueueConsumer>(this.consumers),
        ...Object.values<ScheduledTask>(this.schedules),
      ],
      ...(alarmEmail ? { alarmEmail } : {}),
    });
  }
}

/**
 * The ids under which the stack made each queue and function itself, before ReceiveRoute and
 * QueueConsumer made them (5710d24). Deployed stacks know
 * their queues, dead-letter queues, queue policies and log groups by the logical ids those ids
 * gave them, and the constructs keep them (keepFormerLogicalIds). A new logical id would make
 * CloudFormation replace a queue, deleting the messages and dead letters it holds, or a log group
 * with its month of logs. Functions, roles and alarms hold nothing, and take their new ids. A
 * route or consumer added later gets its ids by the same rule: any id does for a new resource.
 */
const formerIds = {
  queue: (queueId: QueueId) => `${pascalCase(queueId)}Queue`,
  receiver: (routeId: RouteId) => `${pascalCase(routeId)}Receiver`,
  processor: (consumerId: ConsumerId) => `${pascalCase(consumerId)}Consumer`,
};

function addTableOutputs(stack: Stack, tableId: TableId, table: ReceiverTable): void {
  const { description } = table.definition;
  new CfnOutput(stack, outputKeys.tableName(tableId), {
    value: table.tableName,
    description: `Table of ${description}`,
  });
  new CfnOutput(stack, outputKeys.tableConsole(tableId), {
    // Tokens in a template literal become an Fn::Join, resolved at deploy time.
    value: `https://${stack.region}.console.aws.amazon.com/dynamodbv2/home?region=${stack.region}#item-explorer?table=${table.tableName}`,
    description: `DynamoDB console: ${description}`,
  });
}

/**
 * The construct that owns this queue: the route that feeds it, or the outbox. Each queue of the topology
 * has exactly one owner, which makes it (with its dead-letter queue); anything else fails the synth.
 */
function queueOwnerIn(owners: readonly ConsumedQueue[]): (queueId: QueueId) => ConsumedQueue {
  return (queueId) => {
    const [owner, ...others] = owners.filter((each) => each.queueId === queueId);
    if (!owner || others.length > 0) {
      throw new Error(
        `Queue ${queueId} has ${others.length + (owner ? 1 : 0)} owners: each queue is fed by one route, or is the outbox`,
      );
    }
    return owner;
  };
}

function stringContext(scope: Construct, name: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(name);
  return value === undefined || value === "" ? undefined : String(value);
}

/** The settings acceptInboundSms decides with: nothing else of the settings goes in the outputs. */
function acceptanceSettingsOf(settings: Settings): Partial<Settings> {
  return {
    [settingNames.receivingNumbers]: settings[settingNames.receivingNumbers],
    [settingNames.prefixes]: settings[settingNames.prefixes],
  };
}

/**
 * Per setting: stack props, then CDK context (`-c NAME=value`, or cdk.json), then the contract's
 * default. Never the deployer's environment: a LOG_LEVEL=debug left in a shell would otherwise
 * reach production unseen. Read here by the functions' own reader, so a bad value fails the synth
 * (with a SettingError naming it) instead of every cold start after the deploy.
 */
function resolveSettings(scope: Construct, overrides: Partial<Settings>): Settings {
  const settings = Object.fromEntries(
    Object.values(settingNames).map((name) => {
      const fromContext: unknown = scope.node.tryGetContext(name);
      // cdk.json may hold a JSON setting (TOBETEXT_AUTO_REPLIES) as an object: the functions read it as JSON text.
      const text = typeof fromContext === "object" && fromContext !== null ? JSON.stringify(fromContext) : fromContext;
      const value = overrides[name] ?? (text === undefined ? undefined : String(text));
      return [name, value ?? settingDefaults[name]];
    }),
  ) as Settings;
  // The functions' own reader: what it refuses at cold start fails the synth instead.
  readUserSettings(settings);
  return settings;
}

function mapTopology<Id extends string, Definition, Result>(
  definitions: Record<Id, Definition>,
  make: (id: Id, definition: Definition) => Result,
): Record<Id, Result> {
  return Object.fromEntries(
    (Object.entries(definitions) as [Id, Definition][]).map(([id, definition]) => [id, make(id, definition)]),
  ) as Record<Id, Result>;
}
